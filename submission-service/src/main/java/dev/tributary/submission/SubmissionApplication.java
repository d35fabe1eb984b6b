package dev.tributary.submission;

import java.time.Clock;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** Entry point of the submission service. */
@SpringBootApplication
@EnableConfigurationProperties(SubmissionProperties.class)
public class SubmissionApplication {

    public static void main(String[] args) {
        SpringApplication.run(SubmissionApplication.class, args);
    }

    /** The clock that stamps acceptance times; a bean so that tests could pin it. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
