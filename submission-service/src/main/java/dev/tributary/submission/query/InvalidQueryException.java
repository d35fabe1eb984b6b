package dev.tributary.submission.query;

import java.util.List;

/** Query parameters of a read request are malformed; answered with a 400 problem listing each one. */
public class InvalidQueryException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * One bad parameter.
     *
     * @param parameter the query parameter's name
     * @param reason what is wrong with it (quotes at most a short, clipped value)
     */
    public record ParameterError(String parameter, String reason) {}

    private final transient List<ParameterError> errors;

    public InvalidQueryException(List<ParameterError> errors) {
        super(errors.size() + " bad query parameter(s): " + errors);
        this.errors = List.copyOf(errors);
    }

    public List<ParameterError> errors() {
        return errors;
    }
}
