package dev.tributary.worker;

import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The worker as a service (HTTP port 8083 for actuator endpoints). Everything it does comes from
 * {@link WorkerAutoConfiguration}, so an application that depends on this module instead and
 * declares its own {@code TaskHandler} beans gets the same worker.
 */
@SpringBootApplication
public class WorkerApplication {

    public static void main(String[] args) {
        SpringApplication application = new SpringApplication(WorkerApplication.class);
        // Read worker-service.yaml, not application.yaml: the three services can share one classpath
        // (the all-in-one launcher) and a library user's own application.yaml stays theirs.
        application.setDefaultProperties(Map.of("spring.config.name", "worker-service"));
        application.run(args);
    }
}
