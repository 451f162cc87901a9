#!/usr/bin/python3
"""Generates test/fixtures/tokenizer/stress.txt: lines that stress a SentencePiece implementation
(every plane's scripts, combining sequences, fullwidth forms, ligatures, emoji sequences, control
and zero-width characters, odd whitespace, very long words, malformed UTF-8). Deterministic (seeded).
Lines are bytes separated by b'\\n' (a line may hold \\r and malformed bytes)."""
import os
import random
import unicodedata

rng = random.Random(20261127)
lines = []


def add(s):
    lines.append(s.encode('utf-8', 'surrogatepass') if isinstance(s, str) else s)


# Scripts across the planes: ranges sampled into short "words".
BLOCKS = [
    (0x41, 0x7a), (0xc0, 0x24f), (0x370, 0x3ff), (0x400, 0x4ff), (0x531, 0x58f), (0x5d0, 0x5ea), (0x600, 0x6ff),
    (0x700, 0x74f), (0x780, 0x7b1), (0x900, 0x97f), (0x980, 0x9ff), (0xa00, 0xa7f), (0xb80, 0xbff), (0xc00, 0xc7f),
    (0xd00, 0xd7f), (0xe00, 0xe7f), (0xe80, 0xeff), (0xf00, 0xfff), (0x1000, 0x109f), (0x10a0, 0x10ff),
    (0x1100, 0x11ff), (0x1200, 0x137f), (0x13a0, 0x13f5), (0x1400, 0x167f), (0x1680, 0x169c), (0x16a0, 0x16f0),
    (0x1780, 0x17ff), (0x1800, 0x18af), (0x1e00, 0x1fff), (0x2000, 0x206f), (0x2070, 0x209f), (0x20a0, 0x20c0),
    (0x2100, 0x214f), (0x2150, 0x218b), (0x2190, 0x23ff), (0x2460, 0x24ff), (0x2500, 0x27bf), (0x2c00, 0x2c5f),
    (0x2e80, 0x2fd5), (0x3000, 0x303f), (0x3040, 0x30ff), (0x3100, 0x312f), (0x3131, 0x318e), (0x3200, 0x33ff),
    (0x3400, 0x4dbf), (0x4e00, 0x9fff), (0xa000, 0xa48c), (0xa500, 0xa62b), (0xac00, 0xd7a3), (0xe000, 0xf8ff),
    (0xf900, 0xfaff), (0xfb00, 0xfb4f), (0xfb50, 0xfdff), (0xfe10, 0xfe6b), (0xfe70, 0xfefc), (0xff00, 0xffef),
    (0x10000, 0x100fa), (0x10300, 0x1034a), (0x10400, 0x1044f), (0x10900, 0x1091f), (0x12000, 0x12399),
    (0x13000, 0x1342e), (0x16800, 0x16a38), (0x1d400, 0x1d7ff), (0x1f000, 0x1f0ff), (0x1f100, 0x1f1ff),
    (0x1f300, 0x1f6ff), (0x1f900, 0x1f9ff), (0x20000, 0x2a6df), (0x2f800, 0x2fa1d), (0x30000, 0x3134a),
    (0xe0020, 0xe007f), (0xe0100, 0xe01ef), (0xf0000, 0xffffd), (0x100000, 0x10fffd),
]


def assigned(cp):
    return unicodedata.category(chr(cp)) not in ('Cn', 'Cs')


for lo, hi in BLOCKS:
    for _ in range(3):
        words = []
        for _ in range(rng.randint(2, 6)):
            w = ''.join(chr(c) for c in (rng.randint(lo, hi) for _ in range(rng.randint(1, 8))) if assigned(c))
            words.append(w)
        add(' '.join(words))

# Random code points from everywhere (assigned ones), mixed with ASCII words.
for _ in range(200):
    out = []
    for _ in range(rng.randint(5, 40)):
        r = rng.random()
        if r < 0.3:
            out.append(rng.choice(['the', 'The', 'QUICK', 'fox', 'naïve', 'café', '1,000', '9,', ' ', '  ', '\t', 'x']))
        else:
            plane = rng.choice([0, 0, 0, 1, 2, 3, 14, 15])
            cp = rng.randint(plane * 0x10000, plane * 0x10000 + 0xffff)
            if assigned(cp) and cp != 0x0a:
                out.append(chr(cp))
    add(''.join(out))

# Combining sequences.
add('e\u0301 e\u0301\u0302\u0303 a\u0308\u0304 n\u0303 o\u0328\u0304 ǖ é é')
add('Z\u0351\u0367\u0300\u036d\u0303\u0346a\u0362\u0322l\u0334\u0358g\u0315\u0353o\u0340\u0329 text')
add('\u1100\u1161\u11a8 \u1100\u1161 \u110b\u1175\u11ab \u1112\u1161\u11ab\u1100\u1173\u11af')  # Hangul jamo (NFKC composes)
add('\u0915\u094d\u0937 \u0928\u093f \u0915\u093c \u0e01\u0e34\u0e4a \u05e9\u05c1\u05b8')
add('\u0301 leading combining \u20dd \u0345 \u0f71\u0f72 \u302a')
add('A\u030a Å Å \u212b \u1e9b\u0323 \u0387 \u037e \u1fee')
# Fullwidth, halfwidth, compatibility forms, ligatures.
add('ＡＢＣ ｆｕｌｌｗｉｄｔｈ ０１２３ ！？（）［］｛｝＂＇ ～ ￥ ￡ ｶﾀｶﾅ ﾞﾟ ｰ')
add('ﬁ ﬂ ﬀ ﬃ ﬄ ﬅ ﬆ Ĳ ĳ Ǆ ǅ ǆ Ǳ ǲ ǳ ŉ ſ ẞ ß')
add('㎏ ㎞ ㍿ ㋿ ℃ ℉ № ™ ℡ ½ ¼ ¾ ⅓ ⅞ ² ³ ¹ ⁴ ₂ ⅷ Ⅻ ⑴ ⒜ ① ⓐ ㈱ ㊤ ﷺ ﷻ')
add('𝐀𝐁𝐂 𝕒𝕓𝕔 𝓧𝓨𝓩 𝟎𝟏𝟐 𝔄𝔅 ℌℑ ℝ ℤ ℕ')
# Emoji: ZWJ sequences, flags, skin tones, keycaps, variation selectors, tags.
add('👨\u200d👩\u200d👧\u200d👦 👩🏽\u200d💻 🏳️\u200d🌈 🇺🇸 🇯🇵 🇪🇺 👍🏻👍🏿 1️⃣ #️⃣ ❤️ ❤︎ ☺️ 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f')
add('😀😃😄😁😆😅🤣😂🙂🙃😉😊😇🥰😍🤩😘😗☺😚😙🥲😋')
# Control and zero-width characters.
add(''.join(chr(c) for c in range(1, 32) if c != 10) + 'x' + '\x7f' + ''.join(chr(c) for c in range(0x80, 0xa0)))
add('zero\u200bwidth\u200c non\u200djoiner\u200e\u200f\u2060\ufeff soft\u00adhyphen \u202aembed\u202c \u2066iso\u2069 \u061c')
add('\ufeffBOM at start and \ufeff in the middle')
add('tab\tsep\tvalues\there and vertical\x0btab form\x0cfeed')
add('carriage\rreturn inside \r\r and at end\r')
add('\x00nul\x00inside')
# Odd whitespace.
add('\u00a0nbsp\u00a0\u00a0and\u1680ogham\u2000en\u2001em\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200athin')
add('line\u2028sep para\u2029sep nnbsp\u202fmath\u205fideo\u3000space next\u0085line \u180e mongolian')
add('   leading and trailing spaces   ')
add('multiple     internal      spaces')
add('')
add('     ')
add('\t \t')
add('\u3000\u3000')
add('\u2581 literal lower one eighth block \u2581\u2581 ▁x ▁▁ ▁')
# Quotes and special-looking text.
add("``double backticks'' and ''two quotes'' ``")
add('[CLS] [SEP] [MASK] <pad> <unk> <s> </s> [mask] [CLS][SEP] a[MASK]b')
add('numbers 1,000,000 3.14 1,2,3, 9, 10, 2,5, 007 ٣٤٥ ৩৪ ๑๒ ４５, ²,')
# Very long words and lines.
add('a' * 5000)
add('The' * 2000)
add(''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(20000)))
add('1234567890' * 500)
add(''.join(chr(rng.randint(0x4e00, 0x9fff)) for _ in range(3000)))
add('😀' * 1000)
add(' '.join(['word'] * 5000))
add('x' + '\u0301' * 3000)
add('\u00e9' * 2000 + ' ' + 'e\u0301' * 2000)
add('-' * 3000 + '.' * 3000)
# Exact score ties (the written model has ▁x~ = ▁x + ~): SentencePiece keeps the first best path.
add('x~ x~x~ ~x~ x~. X~ x~~')
# Malformed UTF-8 (bytes).
add(b'lone continuation \x80 \xbf and \x80\x80\x80 bytes')
add(b'truncated \xe2\x82 end and \xf0\x9f\x98 and \xc3')
add(b'overlong \xc0\x80 \xc1\xbf \xe0\x80\x80 \xf0\x80\x80\x80')
add(b'surrogates \xed\xa0\x80 \xed\xbf\xbf \xed\xa0\xbd\xed\xb8\x80')
add(b'too big \xf4\x90\x80\x80 \xf5\x80\x80\x80 \xf8\x88\x80\x80\x80 \xfe \xff')
add(b'mixed caf\xc3\xa9 caf\xe9 na\xefve \xe2\x28\xa1 \xe2\x82\x28 \xf0\x28\x8c\xbc')
add(b'\xef\xbf\xbd real replacement char and \xef\xbf\xbd\xef\xbf\xbd')
add(b'\xc3')
add(b'\xff\xfe\xfd')
add(b'word\x80word\xc3\xa9\x80x')
add(b'\xe2\x96 half a block \xe2\x96\x81\xe2\x96')

out = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'tokenizer', 'stress.txt')
with open(out, 'wb') as f:
    f.write(b'\n'.join(lines) + b'\n')
print(len(lines), 'lines', os.path.getsize(out), 'bytes')
