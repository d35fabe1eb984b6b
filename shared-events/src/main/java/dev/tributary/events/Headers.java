package dev.tributary.events;

/**
 * Kafka header names: the CloudEvents Kafka protocol binding in binary mode, W3C trace context,
 * and the dead-letter headers Tributary adds when it rejects a record.
 */
public final class Headers {

    /** The CloudEvents spec version; always {@link #SPECVERSION}. */
    public static final String CE_SPECVERSION = "ce_specversion";
    /** The event id, a UUID; the deduplication key on every hop. */
    public static final String CE_ID = "ce_id";
    /** The event type, e.g. {@code tributary.task.succeeded.v1}; see {@link EventTypes}. */
    public static final String CE_TYPE = "ce_type";

    /** The producing service as a URI reference, e.g. {@code /tributary/scheduler}. */
    public static final String CE_SOURCE = "ce_source";
    /** The workflow id the event is about. */
    public static final String CE_SUBJECT = "ce_subject";
    /** RFC 3339 time the event was produced (for outbox events: when its row was written). */
    public static final String CE_TIME = "ce_time";

    /** Media type of the value; always {@link #APPLICATION_JSON}. */
    public static final String CONTENT_TYPE = "content-type";
    /** W3C trace context of the producing span. */
    public static final String TRACEPARENT = "traceparent";
    /** W3C vendor-specific trace state, propagated untouched when present. */
    public static final String TRACESTATE = "tracestate";

    /** The value of {@link #CE_SPECVERSION}. */
    public static final String SPECVERSION = "1.0";
    /** The value of {@link #CONTENT_TYPE}. */
    public static final String APPLICATION_JSON = "application/json";

    /** Why a record was dead-lettered, one human-readable line. */
    public static final String DLT_REASON = "tributary_dlt_reason";
    /**
     * Why a record was dead-lettered as a stable, machine-readable code (e.g. {@code INVALID},
     * {@code CONFLICT}); set by consumers that classify their rejections.
     */
    public static final String DLT_REASON_CODE = "tributary_dlt_reason_code";
    /**
     * The problems found in a rejected record as a JSON array of {@code {"pointer", "reason"}}
     * objects (JSON Pointer into the record's value, human-readable reason).
     */
    public static final String DLT_ERRORS = "tributary_dlt_errors";
    /** Exception class that rejected the record, when there was one. */
    public static final String DLT_EXCEPTION = "tributary_dlt_exception";

    /** Topic the rejected record was read from. */
    public static final String DLT_ORIGINAL_TOPIC = "tributary_dlt_original_topic";
    /** Partition the rejected record was read from (decimal). */
    public static final String DLT_ORIGINAL_PARTITION = "tributary_dlt_original_partition";
    /** Offset of the rejected record (decimal). */
    public static final String DLT_ORIGINAL_OFFSET = "tributary_dlt_original_offset";
    /** Name of the service that dead-lettered the record. */
    public static final String DLT_SOURCE = "tributary_dlt_source";

    private Headers() {}
}
