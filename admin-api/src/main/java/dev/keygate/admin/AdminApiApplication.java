package dev.keygate.admin;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Keygate admin API: the only writer of keys. Serves {@code /v1} on port 8081 and the actuator
 * on management port 9091.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AdminApiApplication {

    // A keep-alive connection must not stall after a request answered at once (a 405 or 413):
    // see KeygateGatewayApplication.KEEP_ALIVE_WORKAROUND (reactor/reactor-netty#4361).
    static {
        if (System.getProperty("reactor.netty.http.server.lastFlushWhenNoRead") == null) {
            System.setProperty("reactor.netty.http.server.lastFlushWhenNoRead", "true");
        }
    }

    public static void main(String[] args) {
        SpringApplication.run(AdminApiApplication.class, args);
    }
}
