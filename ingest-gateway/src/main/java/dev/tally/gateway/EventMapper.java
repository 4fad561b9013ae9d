package dev.tally.gateway;

/** Turns a verified delivery into the events it carries, or into the answer to a handshake. */
public interface EventMapper {

    /** @throws dev.tally.schemas.ProblemException with status 400 naming what is wrong with the body */
    Outcome map(String source, Delivery delivery);
}
