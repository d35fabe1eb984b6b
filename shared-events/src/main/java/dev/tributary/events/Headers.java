package dev.tributary.events;

/**
 * Kafka header names: the CloudEvents Kafka protocol binding in binary mode, W3C trace context,
 * and the dead-letter headers Tributary adds when it rejects a record.
 */
public final class Headers {

    public static final String CE_SPECVERSION = "ce_specversion";
    /** The event id, a UUID; the deduplication key on every hop. */
    public static final String CE_ID = "ce_id";
    /** The event type, e.g. {@code tributary.task.succeeded.v1}; see {@link EventTypes}. */
    public static final String CE_TYPE = "ce_type";

    public static final String CE_SOURCE = "ce_source";
    /** The workflow id the event is about. */
    public static final String CE_SUBJECT = "ce_subject";
    /** RFC 3339 time the event was produced (for outbox events: when its row was written). */
    public static final String CE_TIME = "ce_time";

    public static final String CONTENT_TYPE = "content-type";
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    public static final String SPECVERSION = "1.0";
    public static final String APPLICATION_JSON = "application/json";

    /** Why a record was dead-lettered, one human-readable line. */
    public static final String DLT_REASON = "tributary_dlt_reason";
    /** Exception class that rejected the record, when there was one. */
    public static final String DLT_EXCEPTION = "tributary_dlt_exception";

    public static final String DLT_ORIGINAL_TOPIC = "tributary_dlt_original_topic";
    public static final String DLT_ORIGINAL_PARTITION = "tributary_dlt_original_partition";
    public static final String DLT_ORIGINAL_OFFSET = "tributary_dlt_original_offset";
    /** Name of the service that dead-lettered the record. */
    public static final String DLT_SOURCE = "tributary_dlt_source";

    private Headers() {}
}
