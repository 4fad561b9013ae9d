package dev.tally.gateway;

/**
 * Checks that a delivery was signed by the sender, on the raw bytes, in constant time. One
 * implementation per signature scheme.
 */
public interface SignatureVerifier {

    /**
     * @return the index of the configured secret that matched (logged and put in a record header, so
     *         an operator can see when the old secret of a rotation stops being used)
     * @throws dev.tally.schemas.ProblemException with status 401 telling the sender what is wrong
     */
    int verify(Delivery delivery);
}
