// How the signed-in reader relates to other accounts: whom they follow, block and mute.
//
// The API's user object does not say (GET /api/users/by/username/{username} is the same for every reader),
// so the client learns it from the reader's own lists, read once per session (a page of 100 at a time, at
// most MAX_PAGES pages each), and keeps them in step with every follow, block and mute it makes.
// Beyond MAX_PAGES * 100 follows a profile may show "Follow" for someone already followed: following again
// is idempotent on the server, so the button then simply turns into "Following".
import { signal } from "@preact/signals";
import { api } from "../../api/client";
import type { Id, Page, User } from "../../api/types";

export type Relation = "following" | "blocking" | "muting";

const MAX_PAGES = 10;

export interface Relations {
  following: ReadonlySet<Id>;
  blocking: ReadonlySet<Id>;
  muting: ReadonlySet<Id>;
}

/** The reader's relations once read; null until then (or when signed out). */
export const relations = signal<Relations | null>(null);

let loading: { owner: Id; done: Promise<void> } | null = null;

type Change = readonly [Relation, Id, boolean];
// The changes made here while the lists are being read: the lists may have been read before the API took them
// (a Block clicked as a profile opens), so they are made again on top of what was read rather than lost.
let madeWhileLoading: Change[] | null = null;

async function allIds(path: string): Promise<Set<Id>> {
  const ids = new Set<Id>();
  let cursor: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer: Page<User> = await api.get<Page<User>>(path, { limit: 100, cursor });
    for (const user of answer.data) ids.add(user.id);
    cursor = answer.meta.next_cursor;
    if (!cursor) break;
  }
  return ids;
}

/** Reads the reader's relations once per session (again for another account). */
export function loadRelations(me: User): Promise<void> {
  if (loading?.owner === me.id) return loading.done;
  relations.value = null;
  madeWhileLoading = [];
  const done = Promise.all([
    allIds(`/api/users/${me.id}/following`),
    allIds("/api/users/me/blocking"),
    allIds("/api/users/me/muting"),
  ]).then(
    ([following, blocking, muting]) => {
      if (loading?.owner !== me.id) return;
      const read: Record<Relation, Set<Id>> = { following, blocking, muting };
      for (const [kind, id, on] of madeWhileLoading ?? []) {
        if (on) read[kind].add(id);
        else read[kind].delete(id);
      }
      madeWhileLoading = null;
      relations.value = read;
    },
    (error: unknown) => {
      loading = null; // try again on the next screen that needs them
      madeWhileLoading = null;
      throw error;
    },
  );
  loading = { owner: me.id, done };
  return done;
}

/** Forget the reader's relations (signing out, another account). */
export function resetRelations(): void {
  loading = null;
  madeWhileLoading = null;
  relations.value = null;
}

export function has(kind: Relation, id: Id): boolean {
  return relations.value?.[kind].has(id) ?? false;
}

function mark(kind: Relation, id: Id, on: boolean): Change {
  const change: Change = [kind, id, on];
  madeWhileLoading?.push(change);
  const current = relations.value ?? { following: new Set<Id>(), blocking: new Set<Id>(), muting: new Set<Id>() };
  const next = new Set(current[kind]);
  if (on) next.add(id);
  else next.delete(id);
  relations.value = { ...current, [kind]: next };
  return change;
}

const ROUTE: Record<Relation, string> = { following: "follow", blocking: "block", muting: "mute" };

/**
 * Sets a relation at once (optimistic) and tells the API; on failure the previous state comes back and
 * the error is thrown for the caller to explain. A block also ends the reader's follow, as the API does.
 */
export async function setRelation(kind: Relation, id: Id, on: boolean): Promise<void> {
  const before = relations.value;
  const changes = [mark(kind, id, on)];
  if (kind === "blocking" && on) changes.push(mark("following", id, false));
  try {
    const path = `/api/users/${id}/${ROUTE[kind]}`;
    if (on) await api.post(path, {});
    else await api.del(path);
  } catch (error) {
    relations.value = before;
    madeWhileLoading = madeWhileLoading?.filter((change) => !changes.includes(change)) ?? null;
    throw error;
  }
}
