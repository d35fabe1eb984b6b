package dev.tributary.submission.intake;

import dev.tributary.outbox.OutboxWriter;
import dev.tributary.submission.SubmissionProperties;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/** Wires the intake's plain-Java parts. */
@Configuration(proxyBeanMethods = false)
class IntakeConfiguration {

    /**
     * The outbox of this service. Until the relay library's auto-configuration provides one, the
     * service makes its own.
     */
    @Bean
    OutboxWriter outboxWriter(JdbcTemplate jdbc) {
        return new OutboxWriter(jdbc, "submission.outbox");
    }

    @Bean
    UuidV7 uuidV7(Clock clock) {
        return new UuidV7(clock);
    }

    @Bean
    SubmissionValidator submissionValidator(SubmissionProperties properties) {
        return new SubmissionValidator(SubmissionSchema.load(), properties);
    }

    @Bean
    RequestBodyReader requestBodyReader(SubmissionProperties properties) {
        return new RequestBodyReader(properties.maxBodySize().toBytes());
    }
}
