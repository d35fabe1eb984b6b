package dev.tributary.scheduler;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/** The scheduler service (HTTP port 8082: actuator only). */
@SpringBootApplication
@EnableConfigurationProperties(SchedulerProperties.class)
public class SchedulerApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(SchedulerApplication.class);
        // Read scheduler-service.yaml, not application.yaml: the three services can share one classpath
        // (the all-in-one launcher) and a library user's own application.yaml stays theirs.
        application.setDefaultProperties(Map.of("spring.config.name", "scheduler-service"));
        application.run(args);
    }
}
