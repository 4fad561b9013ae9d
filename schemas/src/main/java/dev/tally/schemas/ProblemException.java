package dev.tally.schemas;

import java.time.Duration;

/**
 * Thrown by a handler to answer with a {@link Problem}; each app maps it to
 * {@code application/problem+json} in one place.
 */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;
    private final Duration retryAfter;

    public ProblemException(final Problem problem) {
        this(problem, null, null);
    }

    public ProblemException(final Problem problem, final Duration retryAfter, final Throwable cause) {
        super(problem.detail(), cause);
        this.problem = problem;
        this.retryAfter = retryAfter;
    }

    public Problem problem() {
        return problem;
    }

    /** How long the client should wait before retrying ({@code Retry-After}), or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    public static ProblemException badRequest(final String detail) {
        return new ProblemException(Problem.of(400, "bad-request", "Bad request", detail));
    }

    public static ProblemException notFound(final String slug, final String detail) {
        return new ProblemException(Problem.of(404, slug, "Not found", detail));
    }
}
