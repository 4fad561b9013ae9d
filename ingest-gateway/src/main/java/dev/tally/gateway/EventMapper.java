package dev.tally.gateway;

import java.util.List;

import dev.tally.schemas.Envelope;

/** Turns a verified delivery into the events it carries (one for most senders, many for batches). */
public interface EventMapper {

    /** @throws dev.tally.schemas.ProblemException with status 400 naming what is wrong with the body */
    List<Envelope> events(String source, Delivery delivery);
}
