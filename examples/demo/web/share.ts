import * as crypto from "crypto";

const SHARE_KEY = Buffer.from("6f1c2a9e4b7d8c3f0a5e1d2c7b9f4e6a", "hex");

export function shareLink(id: string): string {
  const iv = Buffer.alloc(16, 0);
  const c = crypto.createCipheriv("aes-128-cbc", SHARE_KEY, iv);
  return c.update(id, "utf8", "hex") + c.final("hex");
}

export function token(): string {
  return Math.random().toString(36).slice(2);
}
