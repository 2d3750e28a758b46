package dev.keygate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What run.sh says before it starts anything: its help, and its refusals. */
class RunScriptUsageTests {

    @TempDir Path runDir;

    @Test
    void helpListsEveryVariableTheScriptReads() throws Exception {
        String script = DeployFiles.read(DeployFiles.deploy("local/run.sh"));
        Set<String> read = new TreeSet<>();
        Matcher m =
                Pattern.compile("\\$\\{((?:KEYGATE_|REDIS_URL|JAVA_HOME)[A-Z_]*)[:}-]")
                        .matcher(script);
        while (m.find()) {
            read.add(m.group(1));
        }
        assertThat(read).contains("REDIS_URL", "KEYGATE_UPSTREAM_URI", "KEYGATE_ADMIN_TOKEN");

        Result help = run(new String[] {"--help"});
        assertThat(help.exit).isZero();
        assertThat(help.output).contains(read);
    }

    @Test
    void aTakenPortIsRefusedByNumberBeforeAnythingStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Result result =
                    run(new String[] {}, "KEYGATE_ADMIN_MANAGEMENT_PORT", String.valueOf(port));
            assertThat(result.exit).isEqualTo(1);
            assertThat(result.output)
                    .contains("port " + port + " (admin API management) is already in use")
                    .contains("KEYGATE_ADMIN_MANAGEMENT_PORT")
                    .doesNotContain("started");
        }
    }

    @Test
    void anUnknownArgumentIsRefused() throws Exception {
        Result result = run(new String[] {"--bogus"});
        assertThat(result.exit).isEqualTo(2);
        assertThat(result.output).contains("unknown argument '--bogus'");
    }

    private record Result(int exit, String output) {}

    private Result run(String[] args, String... env) throws IOException, InterruptedException {
        String[] command = new String[args.length + 2];
        command[0] = "bash";
        command[1] = DeployFiles.deploy("local/run.sh").toString();
        System.arraycopy(args, 0, command, 2, args.length);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("KEYGATE_RUN_DIR", runDir.toString());
        for (String name :
                new String[] {
                    "KEYGATE_GATEWAY_PORT",
                    "KEYGATE_GATEWAY_MANAGEMENT_PORT",
                    "KEYGATE_ADMIN_PORT",
                    "KEYGATE_REDIS_PORT",
                    "KEYGATE_DEMO_PORT"
                }) {
            builder.environment().put(name, String.valueOf(freePort()));
        }
        for (int i = 0; i < env.length; i += 2) {
            builder.environment().put(env[i], env[i + 1]);
        }
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), new String(process.getInputStream().readAllBytes()));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
