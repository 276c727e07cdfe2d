package demo;

import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

public class Vault {
    private static final String TRANSFORMATION = "DESede/CBC/PKCS5Padding";
    private static final byte[] KEY = "0123456789abcdef01234567".getBytes();

    public byte[] seal(byte[] data) throws Exception {
        Cipher c = Cipher.getInstance(TRANSFORMATION);
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "DESede"), new IvParameterSpec(new byte[8]));
        return c.doFinal(data);
    }

    public byte[] fingerprint(byte[] cert) throws Exception {
        return MessageDigest.getInstance("SHA-1").digest(cert);
    }

    public void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(1024);
    }
}
