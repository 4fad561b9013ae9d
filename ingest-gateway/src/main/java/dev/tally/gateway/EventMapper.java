package dev.tally.gateway;

import dev.tally.schemas.Envelope;

/**
 * Turns a verified delivery into the events it carries, or into the answer to a handshake; and
 * the other way round, composes the unsigned delivery a sender of this scheme sends for an event.
 */
public interface EventMapper {

    /** @throws dev.tally.schemas.ProblemException with status 400 naming what is wrong with the body */
    Outcome map(String source, Delivery delivery);

    /**
     * The delivery (before signing) that {@link #map} reads back as {@code event}: its id, type,
     * time and entity where this scheme carries them, its payload as the rest of the body. Fields
     * a scheme derives (a body digest, a constant type) are not written.
     */
    Outbound compose(Envelope event);
}
