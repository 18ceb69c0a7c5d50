// Vite builds the app into dist/; esbuild compiles the TSX for Preact (no Babel: a smaller toolchain).
// In development (`npm run dev`), /api and the WebSocket go to a running `make run` (CHIRP_API, default :8000).
import { defineConfig } from "vite";

const api = process.env.CHIRP_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  resolve: {
    alias: { react: "preact/compat", "react-dom": "preact/compat" },
  },
  build: {
    target: "es2022",
    sourcemap: true,
    // The first screen's JS is budgeted (issue 15: 100 KB compressed); bench/web.py measures it.
    chunkSizeWarningLimit: 120,
  },
  server: { proxy: { "/api": api, "/config.json": api } },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
  },
} as never);
