package dev.tributary.submission;

import io.swagger.v3.oas.annotations.OpenAPIDefinition;
import io.swagger.v3.oas.annotations.info.Info;
import java.time.Clock;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/** Entry point of the submission service. */
@OpenAPIDefinition(
        info =
                @Info(
                        title = "Tributary submission API",
                        version = "v1",
                        description = "Submit DAG workflows and read them back. Errors are RFC 9457 problems."))
@SpringBootApplication
@EnableConfigurationProperties(SubmissionProperties.class)
public class SubmissionApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(SubmissionApplication.class);
        // Read submission-service.yaml, not application.yaml: the three services can share one classpath
        // (the all-in-one launcher) and a library user's own application.yaml stays theirs.
        application.setDefaultProperties(Map.of("spring.config.name", "submission-service"));
        application.run(args);
    }

    /** The clock that stamps acceptance times; a bean so that tests could pin it. */
    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
