/**
 * The minimum strength of a wallet or backup passphrase. The wallet file is scrypt-encrypted, so
 * a stolen file costs ~50 ms per guess; a passphrase must still not be among the first guesses.
 * An estimate, not a proof: the characters' pool size to the power of the length, after common
 * words, keyboard runs and repeats count as one character each.
 */

/** Words and runs an attacker tries first; each counts as a single character. */
const COMMON = [
  "password",
  "passphrase",
  "passwort",
  "laissez",
  "wallet",
  "qwertyuiop",
  "asdfghjkl",
  "zxcvbnm",
  "letmein",
  "iloveyou",
  "admin",
  "welcome",
  "monkey",
  "dragon",
  "abc123",
  "woaini",
  "mima",
  "我爱你",
  "密码",
  "钱包",
  "你好",
];
/** Runs guessed first, either way round: digits, letters, and Chinese numerals (一二三四五六, 壹贰叁…, 甲乙丙…). */
const SEQUENCES = [
  "0123456789",
  "abcdefghijklmnopqrstuvwxyz",
  "零一二三四五六七八九十",
  "零壹贰叁肆伍陆柒捌玖拾",
  "甲乙丙丁戊己庚辛壬癸",
].flatMap((s) => [s, [...s].reverse().join("")]);

/** Characters at least (fewer in a script with a large alphabet, such as Chinese), and estimated bits. */
export const PASSPHRASE_RULE = { minLength: 10, minLengthLargeAlphabet: 6, minBits: 50 } as const;

function poolSize(text: string): number {
  let pool = 0;
  if (/[a-z]/.test(text)) pool += 26;
  if (/[A-Z]/.test(text)) pool += 26;
  if (/[0-9]/.test(text)) pool += 10;
  if (/[ -/:-@[-`{-~]/.test(text)) pool += 33;
  // CJK and other scripts: a large alphabet (a common-use set of Chinese characters is ~3,500).
  if (/[^\x00-\x7f]/.test(text)) pool += 3000;
  return Math.max(pool, 1);
}

/** The passphrase with what attackers guess first collapsed: common words, runs of 3+ in a sequence, repeats. */
function collapsed(passphrase: string): string {
  let s = passphrase.toLowerCase();
  for (const w of COMMON) s = s.split(w).join("\u0001");
  for (const seq of SEQUENCES)
    for (let n = seq.length; n >= 3; n--)
      for (let i = 0; i + n <= seq.length; i++) s = s.split(seq.slice(i, i + n)).join("\u0002");
  // A character or a short group repeated: "aaaa", "abab", "2024 2024".
  return s.replace(/(.{1,4}?)\1+/g, "$1");
}

/** The least number of characters for this passphrase's script. */
export const passphraseMinLength = (passphrase: string): number =>
  /[^\x00-\x7f]/.test(passphrase) ? PASSPHRASE_RULE.minLengthLargeAlphabet : PASSPHRASE_RULE.minLength;

/** Why the passphrase is too weak, as a code (each surface says it in its language), or undefined. */
export function passphraseWeakness(passphrase: string): "too_short" | "too_easy" | undefined {
  if ([...passphrase].length < passphraseMinLength(passphrase)) return "too_short";
  const bits = [...collapsed(passphrase)].length * Math.log2(poolSize(passphrase));
  return bits < PASSPHRASE_RULE.minBits ? "too_easy" : undefined;
}

/** Why the passphrase is too weak, in words, or undefined when it is strong enough. */
export function passphraseProblem(passphrase: string): string | undefined {
  const weakness = passphraseWeakness(passphrase);
  if (weakness === "too_short")
    return `too short: at least ${passphraseMinLength(passphrase)} characters (a few unrelated words are easiest to remember)`;
  if (weakness === "too_easy")
    return "too easy to guess: it is mostly a common word, a keyboard run or repeats; add unrelated words";
  return undefined;
}
