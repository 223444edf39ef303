package dev.vireo.api.tls;

import dev.vireo.api.model.ValidationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS contexts from PEM files: what {@code tls.cert.file} and {@code tls.key.file} (a server) or a CA file (a client)
 * name. The key is PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}, RSA or EC: what {@code openssl req -newkey ...
 * -nodes} and {@code openssl pkcs8 -topk8 -nocrypt} write). Written here: the JDK reads PEM certificates but no PEM
 * key, and a library for this alone would be a second TLS stack beside the JDK's.
 */
public final class PemTls {
    private static final char[] NO_PASSWORD = new char[0];

    private PemTls() {
    }

    /**
     * A server's context: the chain in {@code certFile} (its own certificate first) and the key in {@code keyFile}.
     *
     * @param field the configuration key of the certificate, for messages (the key's is its sibling)
     * @throws ValidationException naming {@code field} (or the key's) and what is wrong with the file
     */
    public static SSLContext server(String field, Path certFile, String keyField, Path keyFile) {
        Identity id = identity(field, certFile, keyField, keyFile);
        List<Certificate> chain = id.chain();
        PrivateKey key = id.key();
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("vireo", key, NO_PASSWORD, chain.toArray(new Certificate[0]));
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, NO_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new ValidationException(keyField, "the key in " + keyFile + " does not go with the certificate in "
                    + certFile + ": " + e.getMessage());
        }
    }

    /**
     * A client's context trusting the certificates in {@code caFile} (a CA, or a server's own self-signed one).
     *
     * @throws ValidationException naming {@code field} and what is wrong with the file
     */
    public static SSLContext client(String field, Path caFile) {
        List<Certificate> trusted = certificates(field, caFile);
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                store.setCertificateEntry("trusted-" + i, trusted.get(i));
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new ValidationException(field, "cannot trust the certificates in " + caFile + ": " + e.getMessage());
        }
    }

    /**
     * Whether an API's {@code tls.cert.file} and {@code tls.key.file} turn TLS on: both set; neither: off.
     *
     * @throws ValidationException naming the one that is missing when only the other is set
     */
    public static boolean configured(String certFile, String keyFile) {
        if (certFile.isEmpty() != keyFile.isEmpty()) {
            throw new ValidationException(certFile.isEmpty() ? "tls.cert.file" : "tls.key.file",
                    "TLS needs both tls.cert.file and tls.key.file");
        }
        return !certFile.isEmpty();
    }

    /** A server's certificate chain (its own first) and that certificate's private key. */
    public record Identity(List<Certificate> chain, PrivateKey key) {
    }

    /**
     * The chain in {@code certFile} and the key in {@code keyFile}, read once, the key checked to be the first
     * certificate's: what {@link #server} makes a context of, and what another TLS stack (gRPC's) takes as it is.
     *
     * @throws ValidationException naming the key that is wrong
     */
    public static Identity identity(String field, Path certFile, String keyField, Path keyFile) {
        List<Certificate> chain = certificates(field, certFile);
        PrivateKey key = privateKey(keyField, keyFile);
        if (!matches(key, chain.get(0).getPublicKey())) {
            throw new ValidationException(keyField, "the key in " + keyFile + " is not the certificate's in " + certFile
                    + " (its own certificate must come first)");
        }
        return new Identity(List.copyOf(chain), key);
    }

    /** Whether {@code key} signs what {@code publicKey} verifies: the key is the certificate's. */
    static boolean matches(PrivateKey key, java.security.PublicKey publicKey) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> key.getAlgorithm(); // Ed25519
        };
        try {
            byte[] nonce = "vireo: does this key go with this certificate".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature sign = java.security.Signature.getInstance(algorithm);
            sign.initSign(key);
            sign.update(nonce);
            byte[] signature = sign.sign();
            java.security.Signature verify = java.security.Signature.getInstance(algorithm);
            verify.initVerify(publicKey);
            verify.update(nonce);
            return verify.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The certificates of a PEM file, in order; at least one. */
    public static List<Certificate> certificates(String field, Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<Certificate> out = new ArrayList<>(CertificateFactory.getInstance("X.509").generateCertificates(in));
            if (out.isEmpty()) {
                throw new ValidationException(field, file + " holds no PEM certificate");
            }
            return out;
        } catch (IOException e) {
            throw new ValidationException(field, "cannot read " + file + ": " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new ValidationException(field, file + " is not a PEM certificate: " + e.getMessage());
        }
    }

    /** The PKCS#8 private key of a PEM file (RSA or EC). */
    public static PrivateKey privateKey(String field, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new ValidationException(field, "cannot read " + file + ": " + e.getMessage());
        }
        int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = text.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new ValidationException(field, file + " holds no PKCS#8 key (-----BEGIN PRIVATE KEY-----);"
                    + " convert one with: openssl pkcs8 -topk8 -nocrypt -in KEY -out " + file.getFileName());
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
        } catch (IllegalArgumentException e) {
            throw new ValidationException(field, file + " holds a key that is not base64: " + e.getMessage());
        }
        for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // the next algorithm
            }
        }
        throw new ValidationException(field, file + " holds a key that is neither RSA, EC nor Ed25519");
    }
}
