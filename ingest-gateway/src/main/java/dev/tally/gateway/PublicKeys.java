package dev.tally.gateway;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import dev.tally.config.ConfigException;

/**
 * Reads the public keys senders publish, in the forms they publish them, and checks signatures
 * with them (JDK algorithms only: Ed25519, ECDSA P-256, RSA).
 */
public final class PublicKeys {

    // DER header of an X.509 SubjectPublicKeyInfo for Ed25519 (RFC 8410), before the raw 32-byte key.
    private static final byte[] ED25519_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    private PublicKeys() {
    }

    /** A raw 32-byte Ed25519 public key (Discord's hex "public key", Standard Webhooks' whpk_). */
    static PublicKey ed25519(final byte[] raw) {
        if (raw.length != 32) {
            throw new IllegalArgumentException("an Ed25519 public key has 32 bytes, not " + raw.length);
        }
        final byte[] der = new byte[ED25519_PREFIX.length + raw.length];
        System.arraycopy(ED25519_PREFIX, 0, der, 0, ED25519_PREFIX.length);
        System.arraycopy(raw, 0, der, ED25519_PREFIX.length, raw.length);
        return x509("Ed25519", der);
    }

    /** A base64 DER SubjectPublicKeyInfo of an EC key (SendGrid's "verification key"). */
    static PublicKey ecBase64(final String base64) {
        return x509("EC", Base64.getDecoder().decode(base64.trim()));
    }

    /** The public key of a PEM (or DER) X.509 certificate (PayPal's signing certificate). */
    static PublicKey certificate(final String pem) {
        try {
            return CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                    .getPublicKey();
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not an X.509 certificate: " + e.getMessage(), e);
        }
    }

    /** @return the index of the first key under which {@code signature} of {@code content} verifies, or -1 */
    static int match(final String algorithm, final List<PublicKey> keys, final byte[] content, final byte[] signature) {
        for (int i = 0; i < keys.size(); i++) {
            if (verifies(algorithm, keys.get(i), content, signature)) {
                return i;
            }
        }
        return -1;
    }

    static boolean verifies(final String algorithm, final PublicKey key, final byte[] content, final byte[] signature) {
        try {
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(key);
            verifier.update(content);
            return verifier.verify(signature);
        } catch (SignatureException | InvalidKeyException e) {
            // A malformed signature (wrong length, bad DER) or a key of another type: not a match.
            return false;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is unavailable in this JVM", e);
        }
    }

    /** Signs {@code content} with a sender's private key: the other side of {@link #verifies}. */
    static byte[] sign(final String algorithm, final PrivateKey key, final byte[] content) {
        try {
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(content);
            return signer.sign();
        } catch (InvalidKeyException e) {
            throw new ConfigException("the private key is not a key for " + algorithm + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " signing failed", e);
        }
    }

    /** A PKCS#8 PEM private key (Ed25519, EC or RSA): what a sender signs with. */
    public static PrivateKey privateKey(final String pem) {
        final String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        final PKCS8EncodedKeySpec spec;
        try {
            spec = new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("not a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)", e);
        }
        for (final String algorithm : List.of("Ed25519", "EC", "RSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // not this algorithm's key; try the next
            }
        }
        throw new ConfigException("not an Ed25519, EC or RSA private key in PKCS#8 PEM form");
    }

    private static PublicKey x509(final String algorithm, final byte[] der) {
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not a " + algorithm + " public key: " + e.getMessage(), e);
        }
    }
}
