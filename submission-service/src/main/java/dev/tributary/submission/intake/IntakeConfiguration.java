package dev.tributary.submission.intake;

import dev.tributary.submission.SubmissionProperties;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the intake's plain-Java parts. The {@code OutboxWriter} comes from the outbox-relay
 * library, on {@code tributary.outbox.schema}'s table.
 */
@Configuration(proxyBeanMethods = false)
class IntakeConfiguration {

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
