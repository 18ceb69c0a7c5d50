"""Twitter's twitter-text conformance cases for entity extraction, restated as data.

Source: the extraction suite of twitter/twitter-text (`conformance/tests/extract.yml`, the cases its
implementations are tested against). Each case keeps the suite's description, its input text and its
expected result; characters that cannot be seen (variation selectors, zero-width (non-)joiners,
no-break space, directional marks) are written as escapes, and long runs of one character as
repetitions (`"." * 42`; the suite's point there is only that the run is long).

A case is `(description, text, expected)`. Where the suite gives values only, `expected` lists the values
(hashtag or cashtag without its sign, username without its `@`, the URL as written); where it gives
indices too, `expected` lists `(value, start, end)` in Unicode code points, end exclusive.

Every case of the sections on hashtags, mentions, cashtags and URLs is here, but for two adjustments:

- `replies` (the screen name a text replies to) is left out: Chirp reports no reply target from the text.
- `mentions_or_lists_with_indices` is kept, restated for Chirp's output: Chirp has no lists, so a
  reference to a list (`@user/slug`, the slug starting with a letter) is neither a list nor a mention,
  as in twitter-text's own mention extraction; the cases' plain mentions are the expected result.
"""

from __future__ import annotations

Span = tuple[str, int, int]
Case = tuple[str, str, list[str]]
IndexedCase = tuple[str, str, list[Span]]

LONG_IDN_HOST = "あ" * 300  # a label far over DNS's 63 characters, the host over 256

# ---------------------------------------------------------------- hashtags

HASHTAGS: list[Case] = [
    ("Extract hashtag after emoji without variant selector (uFE0E or uFE0F)", "a ✌#hashtag here", ["hashtag"]),
    ("Extract hashtag after emoji with variant selector FE0E", "a ✌\ufe0e#hashtag here", ["hashtag"]),
    ("Extract hashtag after emoji with variant selector FE0F", "a ✌\ufe0f#hashtag here", ["hashtag"]),
    (
        "Extract hashtag after emoji with skin tone without variant selector (FE0E or FE0F)",
        "a ✌\U0001f3ff#hashtag here",
        ["hashtag"],
    ),
    (
        "Extract hashtag after emoji with skin tone with variant selector FE0F",
        "a ✌\U0001f3ff\ufe0f#hashtag here",
        ["hashtag"],
    ),
    (
        "Extract hashtag after emoji with zero-width-joiner",
        "a \U0001f468\u200d\U0001f469\u200d\U0001f467#hashtag here",
        ["hashtag"],
    ),
    ("Extract an all-alpha hashtag", "a #hashtag here", ["hashtag"]),
    ("Extract a letter-then-number hashtag", "this is #hashtag1", ["hashtag1"]),
    ("Extract a number-then-letter hashtag", "#1hashtag is this", ["1hashtag"]),
    ("DO NOT Extract an all-numeric hashtag", "On the #16 bus", []),
    ("DO NOT Extract a single numeric hashtag", "#0", []),
    (
        "Extract hashtag after bracket",
        "(#hashtag1 )#hashtag2 [#hashtag3 ]#hashtag4 ’#hashtag5’#hashtag6",
        ["hashtag1", "hashtag2", "hashtag3", "hashtag4", "hashtag5", "hashtag6"],
    ),
    ("Extract a hashtag containing ñ", "I'll write more tests #mañana", ["mañana"]),
    ("Extract a hashtag containing é", "Working remotely #café", ["café"]),
    ("Extract a hashtag containing ü", "Getting my Oktoberfest on #münchen", ["münchen"]),
    ("DO NOT Extract a hashtag containing Japanese", "this is not valid: # 会議中 ハッシュ", []),
    ("Extract a hashtag in Korean", "What is #트위터 anyway?", ["트위터"]),
    ("Extract a half-width Hangul hashtag", "Just random half-width Hangul #ﾣﾦﾰ", ["ﾣﾦﾰ"]),
    ("Extract a hashtag in Russian", "What is #ашок anyway?", ["ашок"]),
    ("Extract a starting katakana hashtag", "#カタカナ is a hashtag", ["カタカナ"]),
    ("Extract a starting hiragana hashtag", "#ひらがな FTW!", ["ひらがな"]),
    ("Extract a starting kanji hashtag", "#漢字 is the future", ["漢字"]),
    ("Extract a trailing katakana hashtag", "Hashtag #カタカナ", ["カタカナ"]),
    ("Extract a trailing hiragana hashtag", "Japanese hashtags #ひらがな", ["ひらがな"]),
    ("Extract a trailing kanji hashtag", "Study time #漢字", ["漢字"]),
    ("Extract a central katakana hashtag", "See my #カタカナ hashtag?", ["カタカナ"]),
    ("Extract a central hiragana hashtag", "Study #ひらがな for fun and profit", ["ひらがな"]),
    ("Extract a central kanji hashtag", "Some say #漢字 is the past. what do they know?", ["漢字"]),
    ("Extract a Kanji/Katakana mixed hashtag", "日本語ハッシュタグテスト #日本語ハッシュタグ", ["日本語ハッシュタグ"]),
    ("Extract a hashtag after a punctuation", "日本語ハッシュテスト。#日本語ハッシュタグ", ["日本語ハッシュタグ"]),
    ("DO NOT include a punctuation in a hashtag", "#日本語ハッシュタグ。", ["日本語ハッシュタグ"]),
    ("Extract a full-width Alnum hashtag", "全角英数字ハッシュタグ ＃ｈａｓｈｔａｇ１２３", ["ｈａｓｈｔａｇ１２３"]),
    ("DO NOT extract a hashtag without a preceding space", "日本語ハッシュタグ#日本語ハッシュタグ", []),
    ("Hashtag with chouon", "長音ハッシュタグ。#サッカー", ["サッカー"]),
    ("Hashtag with half-width chouon", "長音ハッシュタグ。#ｻｯｶｰ", ["ｻｯｶｰ"]),
    ("Hashtag with half-widh voiced sounds marks", "#ﾊｯｼｭﾀｸﾞ #ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", ["ﾊｯｼｭﾀｸﾞ", "ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ"]),
    ("Hashtag with half-width # after full-width ！", "できましたよー！#日本語ハッシュタグ。", ["日本語ハッシュタグ"]),
    (
        "Hashtag with full-width ＃ after full-width ！",
        "できましたよー！＃日本語ハッシュタグ。",
        ["日本語ハッシュタグ"],
    ),
    (
        "Hashtag with ideographic iteration mark",
        "#云々 #学問のすゝめ #いすゞ #各〻 #各〃",
        ["云々", "学問のすゝめ", "いすゞ", "各〻", "各〃"],
    ),
    ("Extract hashtag with fullwidth tilde", "#メ～テレ ハッシュタグ内で～が認識されず", ["メ～テレ"]),
    ("Extract hashtag with wave dash", "#メ〜テレ ハッシュタグ内で～が認識されず", ["メ〜テレ"]),
    (
        "Hashtags with ş (U+015F)",
        "Here’s a test tweet for you: #Ateş #qrşt #ştu #ş",
        ["Ateş", "qrşt", "ştu", "ş"],
    ),
    ("Hashtags with İ (U+0130) and ı (U+0131)", "Here’s a test tweet for you: #İn #ın", ["İn", "ın"]),
    (
        "Hashtag before punctuations",
        "#hashtag: #hashtag; #hashtag, #hashtag. #hashtag! #hashtag?",
        ["hashtag"] * 6,
    ),
    (
        "Hashtag after punctuations",
        ":#hashtag ;#hashtag ,#hashtag .#hashtag !#hashtag ?#hashtag",
        ["hashtag"] * 6,
    ),
    ("Hashtag before newline", "#hashtag\ntest\n#hashtag2\ntest\n#hashtag3\n", ["hashtag", "hashtag2", "hashtag3"]),
    ("DO NOT extract hashtag when # is followed by URL", "#http://twitter.com #https://twitter.com", []),
    ("DO NOT extract hashtag if it's a part of URL", "http://twitter.com/#hashtag twitter.com/#hashtag", []),
    (
        "Extract hashtags with Latin extended characters",
        "#Azərbaycanca #mûǁae #Čeština #Ċaoiṁín",
        ["Azərbaycanca", "mûǁae", "Čeština", "Ċaoiṁín"],
    ),
    (
        "Extract Arabic hashtags",
        "#سیاست #ایران #السياسة #السياح #لغات  #اتمی  #کنفرانس #العربية #الجزيرة #فارسی",
        ["سیاست", "ایران", "السياسة", "السياح", "لغات", "اتمی", "کنفرانس", "العربية", "الجزيرة", "فارسی"],
    ),
    (
        "Extract Arabic hashtags with underscore",
        "#برنامه_نویسی  #رییس_جمهور  #رئيس_الوزراء, #ثبت_نام. #لس_آنجلس",
        ["برنامه_نویسی", "رییس_جمهور", "رئيس_الوزراء", "ثبت_نام", "لس_آنجلس"],
    ),
    ("Extract Hebrew hashtags", "#עַל־יְדֵי #וכו׳ #מ״כ", ["עַל־יְדֵי", "וכו׳", "מ״כ"]),
    (
        "Extract Thai hashtags",
        "#ผู้เริ่ม #การเมือง #รายละเอียด #นักท่องเที่ยว #ของขวัญ #สนามบิน #เดินทาง #ประธาน",
        ["ผู้เริ่ม", "การเมือง", "รายละเอียด", "นักท่องเที่ยว", "ของขวัญ", "สนามบิน", "เดินทาง", "ประธาน"],
    ),
    (
        "Extract Arabic hashtags with Zero-Width Non-Joiner",
        "#أي\u200cبي\u200cإم #می\u200cخواهم",
        ["أي\u200cبي\u200cإم", "می\u200cخواهم"],
    ),
    ("Extract Amharic hashtag", "የአላህ መልእክተኛ ሰለላሁ ዓለይሂ ወሰለም #ኢትዮሙስሊምስ", ["ኢትዮሙስሊምስ"]),
    ("Extract Sinhala hashtag with Zero-Width Joiner (U+200D)", "#ශ්\u200dරීලංකා", ["ශ්\u200dරීලංකා"]),
    (
        "Extract Arabic and Persian hashtags with numbers",
        "#۳۴۵هشتگ #هشتگ۶۷۸ #ســـلام_عليكم_٤٠٦",
        ["۳۴۵هشتگ", "هشتگ۶۷۸", "ســـلام_عليكم_٤٠٦"],
    ),
    ("Extract Hindi hashtags", "#महात्मा #महात्मा_१२३४ #१२३४ गांधी", ["महात्मा", "महात्मा_१२३४"]),
    (
        "Extract Indic script hashtags",
        "#বাংলা #ગુજરાતી #ಕನ್ನಡ #മലയാളം #ଓଡ଼ିଆ #ਪੰਜਾਬੀ #සිංහල #தமிழ் #తెలుగు",
        ["বাংলা", "ગુજરાતી", "ಕನ್ನಡ", "മലയാളം", "ଓଡ଼ିଆ", "ਪੰਜਾਬੀ", "සිංහල", "தமிழ்", "తెలుగు"],
    ),
    ("Extract Tibetan hashtags", "#བོད་སྐད་ #བོད་སྐད", ["བོད་སྐད་", "བོད་སྐད"]),
    (
        "Extract Khmer, Burmese, Laotian hashtags",
        "#មហាត្មះគន្ធី #မြင့်မြတ်သော #ຊີວະສາດ",
        ["មហាត្មះគន្ធី", "မြင့်မြတ်သော", "ຊີວະສາດ"],
    ),
    ("Extract Greek hashtag", "#Μαχάτμα_Γκάντι ήταν Ινδός πολιτικός", ["Μαχάτμα_Γκάντι"]),
    ("Extract Armenian and Georgian hashtags", "#Մահաթմա #მაჰათმა", ["Մահաթմա", "მაჰათმა"]),
    ("Extract hashtag with middle dot", "#il·lusió", ["il·lusió"]),
    ("DO NOT extract hashtags without a letter", "#_ #1_2 #122 #〃", []),
    # hashtags_from_astral
    ("Extract hashtag with letter from astral plane (U+20021)", "#\U00020021", ["\U00020021"]),
    (
        "Extract hashtag with letter plus marker from astral plane (U+16f04 U+16f51)",
        "#\U00016f04\U00016f51",
        ["\U00016f04\U00016f51"],
    ),
    ("Extract hashtag with letter plus number from astral plane (U+104a0)", "#A\U000104a0", ["A\U000104a0"]),
]

HASHTAGS_WITH_INDICES: list[IndexedCase] = [
    ("Extract a hastag at the start", "#hashtag here", [("hashtag", 0, 8)]),
    ("Extract a hastag at the end", "test a #hashtag", [("hashtag", 7, 15)]),
    ("Extract a hastag in the middle", "test a #hashtag in a string", [("hashtag", 7, 15)]),
    ("Extract only a valid hashtag", "#123 a #hashtag in a string", [("hashtag", 7, 15)]),
    ("Extract a hashtag in a string of multi-byte characters", "会議中 #hashtag 会議中", [("hashtag", 4, 12)]),
    ("Extract multiple valid hashtags", "One #two three #four", [("two", 4, 8), ("four", 15, 20)]),
    ("Extract a non-latin hashtag", "Hashtags in #русский!", [("русский", 12, 20)]),
    (
        "Extract multiple non-latin hashtags",
        "Hashtags in #中文, #日本語, #한국말, and #русский! Try it out!",
        [("中文", 12, 15), ("日本語", 17, 21), ("한국말", 23, 27), ("русский", 33, 41)],
    ),
]

# ---------------------------------------------------------------- mentions

MENTIONS: list[Case] = [
    ("Extract mention at the begining of a tweet", "@username reply", ["username"]),
    ("Extract mention at the end of a tweet", "mention @username", ["username"]),
    ("Extract mention in the middle of a tweet", "mention @username in the middle", ["username"]),
    ("Extract mention of username with underscore", "mention @user_name", ["user_name"]),
    ("Extract mention of all numeric username", "mention @12345", ["12345"]),
    ("Extract mention or multiple usernames", "mention @username1 @username2", ["username1", "username2"]),
    ("Extract mention in the middle of a Japanese tweet", "の@usernameに到着を待っている", ["username"]),
    ("DO NOT extract username ending in @", "Current Status: @_@ (cc: @username)", ["username"]),
    ("DO NOT extract username followed by accented latin characters", "@aliceìnheiro something something", []),
    (
        "Extract lone metion but not @user@user (too close to an email)",
        "@username email me @test@example.com",
        ["username"],
    ),
    ("DO NOT extract 'http' in '@http://' as username", "@http://twitter.com", []),
    ("Extract mentions before newline", "@username\n@mention", ["username", "mention"]),
    ("Extract mentions after 'RT'", "RT@username RT:@mention RT @test", ["username", "mention", "test"]),
    ("Extract mentions after 'rt'", "rt@username rt:@mention rt @test", ["username", "mention", "test"]),
    ("Extract mentions after 'Rt'", "Rt@username Rt:@mention Rt @test", ["username", "mention", "test"]),
    ("Extract mentions after 'rT'", "rT@username rT:@mention rT @test", ["username", "mention", "test"]),
    ("DO NOT extract username preceded by !", "f!@kn", []),
    ("DO NOT extract username preceded by @", "f@@kn", []),
    ("DO NOT extract username preceded by #", "f#@kn", []),
    ("DO NOT extract username preceded by $", "f$@kn", []),
    ("DO NOT extract username preceded by %", "f%@kn", []),
    ("DO NOT extract username preceded by &", "f&@kn", []),
    ("DO NOT extract username preceded by *", "f*@kn", []),
]

MENTIONS_WITH_INDICES: list[IndexedCase] = [
    ("Extract a mention at the start", "@username yo!", [("username", 0, 9)]),
    ("Extract a mention that has the same thing mentioned at the start", "username @username", [("username", 9, 18)]),
    ("Extract a mention in the middle of a Japanese tweet", "の@usernameに到着を待っている", [("username", 1, 10)]),
    # mentions_or_lists_with_indices, without the lists (see the module docstring)
    ("Extract a mention", "@username yo!", [("username", 0, 9)]),
    ("Extract a list", "@username/list-name is a great list!", []),
    (
        "Extract a mention and list",
        "Hey @username, check out out @otheruser/list_name-01!",
        [("username", 4, 13)],
    ),
    ("Extract a list in the middle of a Japanese tweet", "の@username/list_name-01に到着を待っている", []),
    (
        "DO NOT extract a list with slug that starts with a number",
        "@username/7list-name is a great list!",
        [("username", 0, 9)],
    ),
]

# ---------------------------------------------------------------- cashtags

CASHTAGS: list[Case] = [
    ("Extract cashtags", "Example cashtags: $TEST $Stock   $symbol", ["TEST", "Stock", "symbol"]),
    (
        "Extract cashtags with . or _",
        "Example cashtags: $TEST.T $test.tt $Stock_X $symbol_ab",
        ["TEST.T", "test.tt", "Stock_X", "symbol_ab"],
    ),
    ("Do not extract cashtags if they contain numbers", "$123 $test123 $TE123ST", []),
    ("Do not extract cashtags with non-ASCII characters", "$ストック $株", []),
    ("Do not extract cashtags with punctuations", "$ $. $- $@ $! $() $+", []),
    ("Do not include trailing . or _", "$TEST. $TEST_", ["TEST", "TEST"]),
    ("Do not extract cashtags if there is no space before $", "$OK$NG$BAD text$NO .$NG $$NG", ["OK"]),
    ("Do not extract too long cashtags", "$CashtagMustBeLessThanSixCharacter", []),
]

CASHTAGS_WITH_INDICES: list[IndexedCase] = [
    ("Extract cashtags", "Example: $TEST $symbol test", [("TEST", 9, 14), ("symbol", 15, 22)]),
    (
        "Extract cashtags with . or _",
        "Example: $TEST.T test $symbol_ab end",
        [("TEST.T", 9, 16), ("symbol_ab", 22, 32)],
    ),
]

# ---------------------------------------------------------------- urls

URLS: list[Case] = [
    ("Extract a lone URL", "http://example.com", ["http://example.com"]),
    ("Extract a lone unicode url", "http://ああ.com", ["http://ああ.com"]),
    ("Extract a lone unicode url with -", "http://あ-あ.com", ["http://あ-あ.com"]),
    ("Extract valid URL: http://google.com", "text http://google.com", ["http://google.com"]),
    ("Extract valid URL: http://foobar.com/#", "text http://foobar.com/#", ["http://foobar.com/#"]),
    ("Extract valid URL: http://google.com/#foo", "text http://google.com/#foo", ["http://google.com/#foo"]),
    (
        "Extract valid URL: http://google.com/#search?q=iphone%20-filter%3Alinks",
        "text http://google.com/#search?q=iphone%20-filter%3Alinks",
        ["http://google.com/#search?q=iphone%20-filter%3Alinks"],
    ),
    (
        "Extract valid URL: http://twitter.com/#search?q=iphone%20-filter%3Alinks",
        "text http://twitter.com/#search?q=iphone%20-filter%3Alinks",
        ["http://twitter.com/#search?q=iphone%20-filter%3Alinks"],
    ),
    (
        "Extract valid URL: http://somedomain.com/index.php?path=/abc/def/",
        "text http://somedomain.com/index.php?path=/abc/def/",
        ["http://somedomain.com/index.php?path=/abc/def/"],
    ),
    (
        "Extract valid URL: http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html",
        "text http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html",
        ["http://www.boingboing.net/2007/02/14/katamari_damacy_phon.html"],
    ),
    ("Extract valid URL: http://somehost.com:3000", "text http://somehost.com:3000", ["http://somehost.com:3000"]),
    (
        "Extract valid URL: http://xo.com/~matthew+%ff-x",
        "text http://xo.com/~matthew+%ff-x",
        ["http://xo.com/~matthew+%ff-x"],
    ),
    (
        "Extract valid URL: http://xo.com/~matthew+%ff-,.;x",
        "text http://xo.com/~matthew+%ff-,.;x",
        ["http://xo.com/~matthew+%ff-,.;x"],
    ),
    ("Extract valid URL: http://xo.com/,.;x", "text http://xo.com/,.;x", ["http://xo.com/,.;x"]),
    (
        "Extract valid URL: http://en.wikipedia.org/wiki/Primer_(film)",
        "text http://en.wikipedia.org/wiki/Primer_(film)",
        ["http://en.wikipedia.org/wiki/Primer_(film)"],
    ),
    (
        "Extract valid URL: http://www.ams.org/bookstore-getitem/item=mbk-59",
        "text http://www.ams.org/bookstore-getitem/item=mbk-59",
        ["http://www.ams.org/bookstore-getitem/item=mbk-59"],
    ),
    ("Extract valid URL: http://✪df.ws/ejp", "text http://✪df.ws/ejp", ["http://✪df.ws/ejp"]),
    (
        "Extract valid URL: http://example.com/",
        "test http://example.comだよね.comtest/hogehoge",
        ["http://example.com"],
    ),
    ("Extract valid URL: http://chilp.it/?77e8fd", "text http://chilp.it/?77e8fd", ["http://chilp.it/?77e8fd"]),
    (
        "Extract valid URL: http://x.com/oneletterdomain",
        "text http://x.com/oneletterdomain",
        ["http://x.com/oneletterdomain"],
    ),
    (
        "Extract valid URL: http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx",
        "text http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx",
        ["http://msdn.microsoft.com/ja-jp/library/system.net.httpwebrequest(v=VS.100).aspx"],
    ),
    (
        "Extract valid URL with hyphen as query ending char: "
        "https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-",
        "text https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-",
        ["https://www.youtube.com/watch?v=LOxOAuDHzaw&list=PLPoq910Q9jXhuH6pit_KwIsck9fEz_9U-"],
    ),
    ("DO NOT extract invalid URL: http://no-tld", "text http://no-tld", []),
    ("DO NOT extract invalid URL: http://tld-too-short.x", "text http://tld-too-short.x", []),
    (
        "DO NOT extract invalid URL with invalid preceding character: (http://twitter.com",
        "(http://twitter.com",
        ["http://twitter.com"],
    ),
    (
        "Extract a very long hyphenated sub-domain URL (single letter hyphens)",
        "text http://word-and-a-number-8-ftw.domain.com/",
        ["http://word-and-a-number-8-ftw.domain.com/"],
    ),
    (
        "Extract a hyphenated TLD (usually a typo)",
        "text http://domain.com-that-you-should-have-put-a-space-after",
        ["http://domain.com"],
    ),
    ("Extract URL ending with # value", "text http://foo.com?#foo text", ["http://foo.com?#foo"]),
    (
        "Extract URLs without protocol on (com|org|edu|gov|net) domains",
        "foo.com foo.net foo.org foo.edu foo.gov",
        ["foo.com", "foo.net", "foo.org", "foo.edu", "foo.gov"],
    ),
    (
        "Extract URLs without protocol not on (com|org|edu|gov|net) domains",
        "foo.baz foo.co.jp www.xxxxxxx.baz www.foo.co.uk wwwww.xxxxxxx foo.comm foo.somecom foo.govedu foo.jp",
        ["foo.co.jp", "www.foo.co.uk", "foo.jp"],
    ),
    ("Extract URLs without protocol on ccTLD with slash", "t.co/abcde bit.ly/abcde", ["t.co/abcde", "bit.ly/abcde"]),
    (
        "Extract URLs with protocol on ccTLD domains",
        "http://foo.jp http://fooooo.jp",
        ["http://foo.jp", "http://fooooo.jp"],
    ),
    (
        "Extract URLs with a - or + at the end of the path",
        "Go to http://example.com/a+ or http://example.com/a-",
        ["http://example.com/a+", "http://example.com/a-"],
    ),
    (
        "Extract URLs with longer paths ending in -",
        "Go to http://example.com/view/slug-url-?foo=bar",
        ["http://example.com/view/slug-url-?foo=bar"],
    ),
    (
        "Extract URLs with an en dash in the path",
        "Go to https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud please",
        ["https://en.m.wikipedia.org/wiki/Hatfield–McCoy_feud"],
    ),
    ("Extract URLs beginning with a space", "@user Try http:// example.com/path", ["example.com/path"]),
    (
        "Extract long URL without protocol surrounded by CJK characters",
        "これは日本語です。example.com/path/index.html中国語example.com/path한국",
        ["example.com/path/index.html", "example.com/path"],
    ),
    (
        "Extract short URL without protocol surrounded by CJK characters",
        "twitter.comこれは日本語です。example.com中国語t.co/abcde한국twitter.com example2.comテストtwitter.com/abcde",
        ["twitter.com", "example.com", "t.co/abcde", "twitter.com", "example2.com", "twitter.com/abcde"],
    ),
    (
        "Extract URLs with and without protocol surrounded by CJK characters",
        "http://twitter.com/これは日本語です。example.com中国語http://t.co/abcde한국twitter.comテストexample2.comテスト"
        "http://twitter.com/abcde",
        [
            "http://twitter.com/",
            "example.com",
            "http://t.co/abcde",
            "twitter.com",
            "example2.com",
            "http://twitter.com/abcde",
        ],
    ),
    (
        "Extract URLs with protocol and path containing Cyrillic characters",
        "Go to http://twitter.com/Русские_слова",
        ["http://twitter.com/Русские_слова"],
    ),
    (
        "Extract non-ASCII host name URLs with protocol, but ignore host names bigger than 63 characters. "
        "Also handle exceptions for non-ASCII hostnames longer than 256 characters",
        f"http://exampleこれは日本語です.com/path/index.html http://{LONG_IDN_HOST}.com/path/index.html",
        ["http://exampleこれは日本語です.com/path/index.html"],
    ),
    (
        "Extract short URLs without protocol on ccTLD domains without path",
        "twitter.jp日本語it.so中国語foo.jp it.so foo.jp",
        ["twitter.jp", "it.so", "foo.jp", "it.so", "foo.jp"],
    ),
    ("DO NOT extract invalid URL", "Hello http://xn--はじめよう.com/index.html", []),
    (
        "DO NOT Extract URL with domain preceeded by underscore: "
        "http://domain-begin_dash_2314352345_dfasd.foo-cow_4352.com",
        "text http://domain-dash_2314352345_dfasd.foo-cow_4352.com",
        [],
    ),
    (
        "Extract some (tv|co) short URLs without protocol on ccTLD domains without path",
        "MLB.tv vine.co twitch.tv t.co",
        ["MLB.tv", "vine.co", "twitch.tv", "t.co"],
    ),
    (
        "Extract URLs beginning with a non-breaking space (U+00A0)",
        "@user Try http://\u00a0example.com/path",
        ["example.com/path"],
    ),
    (
        "Extract URLs with underscores and dashes in the subdomain",
        "test http://sub_domain-dash.twitter.com",
        ["http://sub_domain-dash.twitter.com"],
    ),
    ("Extract URL with minimum number of valid characters", "test http://a.b.cd", ["http://a.b.cd"]),
    ("Extract URLs containing underscores and dashes", "test http://a_b.c-d.com", ["http://a_b.c-d.com"]),
    ("Extract URLs containing dashes in the subdomain", "test http://a-b.c.com", ["http://a-b.c.com"]),
    ("Extract URLs with dashes in the domain name", "test http://twitter-dash.com", ["http://twitter-dash.com"]),
    (
        "Extract URLs with lots of symbols then a period",
        "http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188",
        ["http://www.bestbuy.com/site/Currie+Technologies+-+Ezip+400+Scooter/9885188.p?id=1218189013070&skuId=9885188"],
    ),
    ("DO NOT extract URLs containing leading dashes in the subdomain", "test http://-leadingdash.twitter.com", []),
    (
        "DO NOT extract URLs containing leading dashes in the domain with a subdomain",
        "test http://leadingdash.-twitter.com",
        [],
    ),
    ("DO NOT extract URLs containing trailing dashes in the subdomain", "test http://trailingdash-.twitter.com", []),
    (
        "DO NOT extract URLs containing trailing dashes in the domain with a subdomain",
        "test http://trailingdash.twitter-.com",
        [],
    ),
    (
        "DO NOT extract URLs containing leading underscores in the subdomain",
        "test http://_leadingunderscore.twitter.com",
        [],
    ),
    (
        "DO NOT extract URLs containing leading underscores in the domain with a subdomain",
        "test http://leadingunderscore._twitter.com",
        [],
    ),
    (
        "DO NOT extract URLs containing trailing underscores in the subdomain",
        "test http://trailingunderscore_.twitter.com",
        [],
    ),
    (
        "DO NOT extract URLs containing trailing underscores in the domain with a subdomain",
        "test http://trailingunderscore.twitter_.com",
        [],
    ),
    ("DO NOT extract URLs containing leading dashes in the domain name", "test http://-twitter.com", []),
    ("DO NOT extract URLs containing trailing dashes in the domain name", "test http://twitter-.com", []),
    ("DO NOT extract URLs containing underscores in the domain name", "test http://twitter_underscore.com", []),
    ("DO NOT extract URLs containing underscores in the tld", "test http://twitter.c_o_m", []),
    (
        "Extract valid URL http://www.foo.com/foo/path-with-period./",
        "test http://www.foo.com/foo/path-with-period./",
        ["http://www.foo.com/foo/path-with-period./"],
    ),
    (
        "Extract valid URL http://www.foo.org.za/foo/bar/688.1",
        "test http://www.foo.org.za/foo/bar/688.1",
        ["http://www.foo.org.za/foo/bar/688.1"],
    ),
    (
        "Extract valid URL http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0",
        "test http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0",
        ["http://www.foo.com/bar-path/some.stm?param1=foo;param2=P1|0||P2|0"],
    ),
    (
        "Extract valid URL http://foo.com/bar/123/foo_&_bar/",
        "test http://foo.com/bar/123/foo_&_bar/",
        ["http://foo.com/bar/123/foo_&_bar/"],
    ),
    (
        "Extract valid URL http://www.cp.sc.edu/events/65",
        "test http://www.cp.sc.edu/events/65 test",
        ["http://www.cp.sc.edu/events/65"],
    ),
    (
        "Extract valid URL http://www.andersondaradio.no.comunidades.net/",
        "http://www.andersondaradio.no.comunidades.net/ test test",
        ["http://www.andersondaradio.no.comunidades.net/"],
    ),
    ("Extract valid URL ELPAÍS.com", "test ELPAÍS.com", ["ELPAÍS.com"]),
    ("DO NOT include period at the end of URL", "test http://twitter.com/.", ["http://twitter.com/"]),
    (
        "Extract a URL with '?' in fragment",
        "http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment"
        "#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata",
        [
            "http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment"
            "#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata"
        ],
    ),
    (
        "Extract a URL with '?' in fragment in a text",
        "text http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment"
        "#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata text",
        [
            "http://tn.com.ar/show/00056158/la-estrella-del-certamen-el-turno-de-pamela-anderson?fb_xd_fragment"
            "#?=&cb=fe17523f223b7&relation=parent.parent&transport=fragment&type=resize&height=20&ackdata"
        ],
    ),
    (
        "Extract a URL with a ton of trailing periods",
        "Test a ton of periods http://example.com/path" + "." * 42,
        ["http://example.com/path"],
    ),
    (
        "Extract a URL with a ton of trailing commas",
        "Test a ton of periods http://example.com/" + "," * 42,
        ["http://example.com/"],
    ),
    (
        "Extract a URL with a ton of trailing '!'",
        "Test a ton of periods http://example.com/path/" + "!" * 42,
        ["http://example.com/path/"],
    ),
    (
        "DO NOT extract URLs in hashtag or @mention",
        "#test.com @test.com #http://test.com @http://test.com #t.co/abcde @t.co/abcde",
        [],
    ),
    (
        "Extract a t.co URL with a trailing apostrophe",
        "I really like http://t.co/pbY2NfTZ's website",
        ["http://t.co/pbY2NfTZ"],
    ),
    (
        "Extract a t.co URL with a trailing hyphen",
        "Check this site out http://t.co/FNkPfmii- it's great",
        ["http://t.co/FNkPfmii"],
    ),
    (
        "Extract a t.co URL with a trailing colon",
        "According to http://t.co/ulYGBYSo: the internet is cool",
        ["http://t.co/ulYGBYSo"],
    ),
    (
        "Extract a t.co URL with a long path",
        "I really like http://t.co/abcdefghijklmnopqrstuvwxyz0123456789",
        ["http://t.co/abcdefghijklmnopqrstuvwxyz0123456789"],
    ),
    (
        "DO NOT extract URLs with > 40 characters in a t.co slug",
        "I really like http://t.co/abcdefghijklmnopqrstuvwxyz012345678901234",
        [],
    ),
    (
        "Extract domain followed by Japanese characters",
        "example.comてすとですtwitter.みんなです",
        ["example.com", "twitter.みんな"],
    ),
    (
        "Extract URL before newline",
        "http://twitter.com\nhttp://example.com\nhttp://example.com/path\nexample.com/path\nit.so\nit.so/abcde",
        [
            "http://twitter.com",
            "http://example.com",
            "http://example.com/path",
            "example.com/path",
            "it.so",
            "it.so/abcde",
        ],
    ),
    (
        "DO NOT extract URL if preceded by $",
        "$http://twitter.com $twitter.com $http://t.co/abcde $t.co/abcde $t.co $TVI.CA $RBS.CA",
        [],
    ),
    ("DO NOT extract .bz2 file name as URL", "long.test.tar.bz2 test.tar.bz2 tar.bz2", []),
    ("DO NOT extract URL with gTLD followed by @ sign", "john.doe.gov@mail.com", []),
    ("DO NOT extract URL with ccTLD followed by @ sign", "john.doe.jp@mail.com", []),
    # tco_urls_with_params
    (
        "Extract valid URL with params: https://t.co/UqIyJAJTfo?amp=1",
        "text https://t.co/UqIyJAJTfo?amp=1",
        ["https://t.co/UqIyJAJTfo?amp=1"],
    ),
    (
        "Extract valid URL with params: https://t.co/UqIyJAJTfo?type=js",
        "text https://t.co/UqIyJAJTfo?type=js",
        ["https://t.co/UqIyJAJTfo?type=js"],
    ),
    (
        "Extract valid URL with params: https://t.co/UqIyJAJTfo?ssr=true",
        "text https://t.co/UqIyJAJTfo?ssr=true",
        ["https://t.co/UqIyJAJTfo?ssr=true"],
    ),
    (
        "Extract a valid URL with params: https://t.co/asdfdf?a=b#123",
        "text https://t.co/asdfdf?a=b#123",
        ["https://t.co/asdfdf?a=b#123"],
    ),
    (
        "Extract a valid URL with params: https://t.co/sadfasdf?a=b&c=d",
        "text https://t.co/sadfasdf?a=b&c=d",
        ["https://t.co/sadfasdf?a=b&c=d"],
    ),
]

URLS_WITH_INDICES: list[IndexedCase] = [
    ("Extract a URL", "text http://google.com", [("http://google.com", 5, 22)]),
    ("Extract a URL from a Japanese tweet", "皆さん見てください！ http://google.com", [("http://google.com", 11, 28)]),
    (
        "Extract URLs without protocol on ccTLD with slash",
        "t.co/abcde bit.ly/abcde",
        [("t.co/abcde", 0, 10), ("bit.ly/abcde", 11, 23)],
    ),
    (
        "Extract URLs without protocol surrounded by CJK characters",
        "twitter.comこれは日本語です。example.com中国語t.co/abcde한국twitter.com example2.comテストtwitter.com/abcde",
        [
            ("twitter.com", 0, 11),
            ("example.com", 20, 31),
            ("t.co/abcde", 34, 44),
            ("twitter.com", 46, 57),
            ("example2.com", 58, 70),
            ("twitter.com/abcde", 73, 90),
        ],
    ),
    (
        "Extract URLs with and without protocol surrounded by CJK characters",
        "http://twitter.com/これは日本語です。example.com中国語http://t.co/abcde한국twitter.comテストexample2.comテスト"
        "http://twitter.com/abcde",
        [
            ("http://twitter.com/", 0, 19),
            ("example.com", 28, 39),
            ("http://t.co/abcde", 42, 59),
            ("twitter.com", 61, 72),
            ("example2.com", 75, 87),
            ("http://twitter.com/abcde", 90, 114),
        ],
    ),
    (
        "Extract t.co URLs skipping trailing characters and adjusting indices correctly",
        "http://t.co/pbY2NfTZ's http://t.co/2vYHpAc5; http://t.co/ulYGBYSo: http://t.co/8MkmHU0k+c "
        "http://t.co/TKLp64dY.x http://t.co/8t7G3ddS#a http://t.co/FNkPfmii-",
        [
            ("http://t.co/pbY2NfTZ", 0, 20),
            ("http://t.co/2vYHpAc5", 23, 43),
            ("http://t.co/ulYGBYSo", 45, 65),
            ("http://t.co/8MkmHU0k", 67, 87),
            ("http://t.co/TKLp64dY", 90, 110),
            ("http://t.co/8t7G3ddS", 113, 133),
            ("http://t.co/FNkPfmii", 136, 156),
        ],
    ),
    (
        "Properly extract URL that contains t.co in referer",
        "http://www.foo.com?referer=https://t.co/abcde http://t.co/xyzzy",
        [("http://www.foo.com?referer=https://t.co/abcde", 0, 45), ("http://t.co/xyzzy", 46, 63)],
    ),
    (
        "Extract correct indices for duplicate instances of the same URL",
        "http://t.co http://t.co",
        [("http://t.co", 0, 11), ("http://t.co", 12, 23)],
    ),
    ("Extract I18N URL", "test http://xn--ls8h.XN--ls8h.la/", [("http://xn--ls8h.XN--ls8h.la/", 5, 33)]),
    (
        "Extract URLs with IDN(not encoded)",
        "test http://foobar.みんな/ http://foobar.中国/ http://foobar.پاکستان/ ",
        [("http://foobar.みんな/", 5, 23), ("http://foobar.中国/", 24, 41), ("http://foobar.پاکستان/", 42, 64)],
    ),
    # urls_with_directional_markers
    (
        "Extract URLs from RTL text",
        "\u2066\u202atest abcdef.com پاکستان http://twitter.com/\u202c\u2069",
        [("abcdef.com", 7, 17), ("http://twitter.com/", 26, 45)],
    ),
    (
        "Extract URLs from RTL text with embedded directional marks",
        "This is a test \u2066\u202atwitter.com\u202c\u2069 "
        "\u2066\u202ahttp://foobar.پاکستان/\u202c\u2069 قطر فلسطين عمان",
        [("twitter.com", 17, 28), ("http://foobar.پاکستان/", 33, 55)],
    ),
]

VALUE_FIELDS = {"hashtags": "tag", "mentions": "username", "cashtags": "tag", "urls": "url"}
"""The field of Chirp's entity that holds the value the suite expects, per kind."""

CASES: dict[str, tuple[list[Case], list[IndexedCase]]] = {
    "hashtags": (HASHTAGS, HASHTAGS_WITH_INDICES),
    "mentions": (MENTIONS, MENTIONS_WITH_INDICES),
    "cashtags": (CASHTAGS, CASHTAGS_WITH_INDICES),
    "urls": (URLS, URLS_WITH_INDICES),
}
