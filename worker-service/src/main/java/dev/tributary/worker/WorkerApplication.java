package dev.tributary.worker;

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
        SpringApplication.run(WorkerApplication.class, args);
    }
}
