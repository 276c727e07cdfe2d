#include <openssl/evp.h>
#include <openssl/rand.h>

static const unsigned char session_key[16] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                              0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};

int seal(unsigned char *out, const unsigned char *in, int len) {
    unsigned char iv[8];
    int n = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    RAND_bytes(iv, sizeof iv);
    EVP_EncryptInit_ex(ctx, EVP_bf_cbc(), NULL, session_key, iv);
    EVP_EncryptUpdate(ctx, out, &n, in, len);
    EVP_CIPHER_CTX_free(ctx);
    return n;
}
