package dev.tributary.submission.kafkaintake;

/**
 * Why a submission record was dead-lettered: the value of the {@code tributary_dlt_reason_code}
 * header. Stable names; new codes may be added.
 */
public enum ReasonCode {
    /** The value is larger than {@code tributary.submission.max-body-size}. */
    TOO_LARGE,
    /** The value is not valid UTF-8. */
    NOT_UTF8,
    /** Not JSON (malformed, empty, duplicate member, trailing content) or a value of the wrong JSON type. */
    MALFORMED,
    /** Valid JSON that breaks a rule: schema, DAG, limits, id patterns (also of an id taken from the key). */
    INVALID,
    /** The value's {@code id} differs from the record key. */
    KEY_MISMATCH,
    /** The id is already taken by a different definition. */
    CONFLICT,
    /** A {@code ce_type} header names something other than {@code tributary.workflow.submission.v1}. */
    UNSUPPORTED_TYPE,
    /** The database refused the valid submission's data (e.g. a NUL character in {@code input}). */
    STORAGE_REJECTED
}
