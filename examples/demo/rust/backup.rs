use aes_gcm::{aead::Aead, Aes256Gcm, KeyInit, Nonce};
use md5::{Digest, Md5};

const BACKUP_KEY: [u8; 32] = *b"an-example-32-byte-backup-key!!!";

pub fn seal(data: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new_from_slice(&BACKUP_KEY).unwrap();
    let nonce = Nonce::from_slice(b"unique nonce");
    cipher.encrypt(nonce, data).unwrap()
}

pub fn password_digest(pw: &str) -> Vec<u8> {
    Md5::digest(pw.as_bytes()).to_vec()
}
