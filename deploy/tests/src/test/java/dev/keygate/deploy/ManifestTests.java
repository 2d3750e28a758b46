package dev.keygate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keygate.gateway.app.KeygateGatewayApplication;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * deploy/compose and deploy/k8s cannot run here (no Docker engine, no cluster), so this checks them
 * against the code: every YAML and JSON file parses; every environment variable a Keygate container
 * gets names a real configuration property (from the {@code spring-configuration-metadata.json} of
 * every jar on the gateway's and admin API's classpath, and the admin API's {@code
 * AdminProperties}); ports, probe paths and scrape paths match what the services listen on; names
 * that refer to each other (services, port names, selectors, config maps, files) resolve.
 */
class ManifestTests {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /** Known property names, and prefixes of map-valued properties. */
    private static final Set<String> PROPERTIES = new HashSet<>();

    private static final Set<String> MAP_PROPERTIES = new HashSet<>();

    /** Variables that are not Spring properties, and why they are allowed. */
    private static final Map<String, String> NOT_PROPERTIES =
            Map.of(
                    "SPRING_APPLICATION_JSON",
                            "Spring Boot: inline JSON properties (checked below)",
                    "JAVA_TOOL_OPTIONS", "read by the JVM itself");

    @BeforeAll
    static void collectProperties() throws IOException {
        for (URL url :
                Collections.list(
                        ManifestTests.class
                                .getClassLoader()
                                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                for (JsonNode property : JSON.readTree(in).path("properties")) {
                    String name = property.get("name").asString();
                    if (property.at("/deprecation/level").asString("").equals("error")) {
                        continue; // kept in the metadata only to say it is gone
                    }
                    PROPERTIES.add(name);
                    if (property.path("type").asString("").startsWith("java.util.Map")) {
                        MAP_PROPERTIES.add(name);
                    }
                }
            }
        }
        // The admin API's properties are a record without generated metadata: derive the names.
        for (RecordComponent component :
                dev.keygate.admin.config.AdminProperties.class.getRecordComponents()) {
            PROPERTIES.add("keygate.admin." + kebab(component.getName()));
        }
        assertThat(PROPERTIES)
                .contains(
                        "keygate.gateway.upstream-uri",
                        "keygate.admin.token",
                        "spring.data.redis.url",
                        "server.port",
                        "management.server.port");
    }

    @Test
    void theCrossCheckKnowsBootsEnvironmentVariableFormsAndRejectsMisspellings() {
        assertThat(isProperty("KEYGATE_GATEWAY_UPSTREAM_URI")).isTrue();
        assertThat(isProperty("KEYGATE_GATEWAY_UPSTREAMURI")).isTrue();
        assertThat(isProperty("KEYGATE_ADMIN_TOKEN")).isTrue();
        assertThat(isProperty("SPRING_DATA_REDIS_URL")).isTrue();
        assertThat(isProperty("MANAGEMENT_SERVER_PORT")).isTrue();
        assertThat(isProperty("KEYGATE_GATEWAY_UPSTREAM_URL")).isFalse();
        assertThat(isProperty("SPRING_REDIS_URL")).isFalse(); // Boot 2's name, gone since Boot 3
        assertThat(isProperty("KEYGATE_ADMIN_PASSWORD")).isFalse();
    }

    @Test
    void everyYamlAndJsonFileUnderDeployParses() throws IOException {
        List<Path> yaml = DeployFiles.files(DeployFiles.deploy(""), ".yaml", ".yml");
        assertThat(yaml).hasSizeGreaterThanOrEqualTo(12);
        for (Path file : yaml) {
            assertThat(DeployFiles.yamlDocuments(file)).as(file.toString()).isNotEmpty();
        }
        List<Path> json = DeployFiles.files(DeployFiles.deploy(""), ".json");
        assertThat(json).hasSizeGreaterThanOrEqualTo(6);
        for (Path file : json) {
            assertThat(JSON.readTree(Files.readString(file)).isObject())
                    .as(file.toString())
                    .isTrue();
        }
    }

    @Test
    void composeGivesTheServicesOnlyRealPropertiesAndTheirRealPorts() {
        Map<String, Object> compose = map(one("compose/compose.yaml"));
        Map<String, Object> services = map(compose.get("services"));
        assertThat(services)
                .containsKeys(
                        "redis",
                        "admin-api",
                        "gateway-1",
                        "gateway-2",
                        "demo-backend",
                        "prometheus",
                        "grafana");
        Map<String, Integer> managementPorts = new HashMap<>();
        for (var entry : services.entrySet()) {
            Map<String, Object> service = map(entry.getValue());
            Object build = service.get("build");
            if (build == null) {
                continue;
            }
            String module = String.valueOf(map(map(build).get("args")).get("MODULE"));
            assertThat(module).isIn("gateway", "admin-api");
            assertThat(DeployFiles.deploy("compose/" + map(build).get("context")))
                    .isDirectory()
                    .satisfies(ctx -> assertThat(ctx.resolve(module)).isDirectory());
            Map<String, String> env = new LinkedHashMap<>();
            map(service.get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
            assertRealProperties(entry.getKey(), env);
            assertConnectsAsItsAclUser(entry.getKey(), env);

            Defaults defaults = Defaults.of(module);
            int serverPort = Integer.parseInt(env.get("SERVER_PORT"));
            int managementPort = Integer.parseInt(env.get("MANAGEMENT_SERVER_PORT"));
            assertThat(serverPort).as("%s SERVER_PORT", entry.getKey()).isEqualTo(defaults.server);
            assertThat(managementPort).isEqualTo(defaults.management);
            managementPorts.put(entry.getKey(), managementPort);
            for (Object published : list(service.get("ports"))) {
                assertThat(String.valueOf(published))
                        .startsWith("127.0.0.1:")
                        .endsWith(":" + serverPort);
            }
            List<Object> health = list(map(service.get("healthcheck")).get("test"));
            assertThat(health)
                    .containsExactly(
                            "CMD",
                            "/app/healthcheck.sh",
                            String.valueOf(managementPort),
                            "/actuator/health/readiness");
            assertThat(map(service.get("depends_on"))).containsKey("redis");
        }
        assertThat(managementPorts).containsOnlyKeys("admin-api", "gateway-1", "gateway-2");
        Map<String, Object> redis = map(services.get("redis"));
        assertThat(list(redis.get("command")))
                .containsSequence("--appendonly", "yes")
                .containsSequence("--aclfile", "/run/keygate/users.acl")
                .containsSequence("--maxmemory-policy", "noeviction");
        assertThat(list(redis.get("entrypoint")))
                .containsSequence(
                        "/bin/sh",
                        "/keygate/redis/render-acl.sh",
                        "/keygate/redis/users.acl",
                        "/run/keygate/users.acl");
        assertThat(list(redis.get("volumes"))).contains("../redis:/keygate/redis:ro");
        assertThat(map(redis.get("environment")).keySet())
                .containsExactlyInAnyOrderElementsOf(aclUsers().values());

        // Redis is on internal networks only, which the upstream is not on.
        Map<String, Object> networks = map(compose.get("networks"));
        for (Object network : list(redis.get("networks"))) {
            assertThat(map(networks.get(String.valueOf(network))))
                    .as("network %s", network)
                    .containsEntry("internal", true);
            assertThat(list(map(services.get("demo-backend")).get("networks")))
                    .doesNotContain(network);
        }
        assertThat(list(map(services.get("demo-backend")).get("networks")))
                .isNotEmpty()
                .doesNotContainAnyElementsOf(list(map(services.get("admin-api")).get("networks")));

        // Every ${VAR:?} is required and listed, empty, in .env.example; no ${VAR:-default}.
        String composeText = DeployFiles.read(DeployFiles.deploy("compose/compose.yaml"));
        assertThat(composeText).doesNotContain(":-");
        Set<String> required = new HashSet<>();
        Matcher variable = Pattern.compile("\\$\\{([A-Z_]+):\\?").matcher(composeText);
        while (variable.find()) {
            required.add(variable.group(1));
        }
        assertThat(required)
                .contains("GRAFANA_ADMIN_PASSWORD", "KEYGATE_ADMIN_TOKEN")
                .containsAll(aclUsers().values());
        Set<String> listed = new HashSet<>();
        for (String l :
                DeployFiles.read(DeployFiles.deploy("compose/.env.example")).lines().toList()) {
            if (!l.startsWith("#") && l.contains("=")) {
                assertThat(l).as(".env.example lists it empty").endsWith("=");
                listed.add(l.substring(0, l.indexOf('=')));
            }
        }
        assertThat(listed).isEqualTo(required);
        assertThat(DeployFiles.deploy("compose/Dockerfile.dockerignore"))
                .content()
                .contains("**/.env", "**/*.env");

        // Prometheus scrapes every service's management port at the path the services expose.
        Map<String, Object> prometheus = map(one("compose/prometheus/prometheus.yml"));
        Set<String> scraped = new HashSet<>();
        for (Object job : list(prometheus.get("scrape_configs"))) {
            assertThat(map(job).get("metrics_path")).isEqualTo("/actuator/prometheus");
            for (Object config : list(map(job).get("static_configs"))) {
                for (Object target : list(map(config).get("targets"))) {
                    String[] hostPort = String.valueOf(target).split(":");
                    assertThat(managementPorts)
                            .containsEntry(hostPort[0], Integer.parseInt(hostPort[1]));
                    scraped.add(hostPort[0]);
                }
            }
        }
        assertThat(scraped).isEqualTo(managementPorts.keySet());
        assertThat(Defaults.of("gateway").exposure).contains("prometheus", "health");
        assertThat(Defaults.of("admin-api").exposure).contains("prometheus", "health");

        // Files the compose file mounts exist; Grafana finds the dashboard where provisioning says.
        for (var service : services.values()) {
            for (Object volume : list(map(service).get("volumes"))) {
                String source = String.valueOf(volume).split(":")[0];
                if (source.startsWith(".")) {
                    assertThat(DeployFiles.deploy("compose/" + source)).exists();
                }
            }
        }
        String dashboards =
                String.valueOf(
                        map(map(list(map(one("compose/grafana/provisioning/dashboards/keygate.yml"))
                                                        .get("providers"))
                                                .get(0))
                                        .get("options"))
                                .get("path"));
        assertThat(list(map(services.get("grafana")).get("volumes")))
                .contains("../grafana:" + dashboards + ":ro");
        assertThat(DeployFiles.deploy("compose/Dockerfile")).content().contains("USER 10001");
    }

    @Test
    void kustomizeManifestsResolveAndUseOnlyRealPropertiesAndPorts() {
        Map<String, Object> kustomization = map(one("k8s/base/kustomization.yaml"));
        Map<String, Map<String, String>> generated = new HashMap<>();
        for (String generator : List.of("configMapGenerator", "secretGenerator")) {
            for (Object g : list(kustomization.get(generator))) {
                Map<String, String> data = new LinkedHashMap<>();
                for (Object literal : list(map(g).get("literals"))) {
                    String[] kv = String.valueOf(literal).split("=", 2);
                    data.put(kv[0], kv[1]);
                }
                for (Object envFile : list(map(g).get("envs"))) {
                    Path example = DeployFiles.deploy("k8s/base/" + envFile + ".example");
                    assertThat(example).exists();
                    DeployFiles.read(example)
                            .lines()
                            .filter(l -> !l.startsWith("#") && l.contains("="))
                            .forEach(
                                    l ->
                                            data.put(
                                                    l.substring(0, l.indexOf('=')),
                                                    l.substring(l.indexOf('=') + 1)));
                }
                generated.put(String.valueOf(map(g).get("name")), data);
            }
        }
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object resource : list(kustomization.get("resources"))) {
            Path file = DeployFiles.deploy("k8s/base/" + resource);
            assertThat(file).as("kustomization resource").exists();
            if (Files.isDirectory(file)) {
                // another kustomization: its generated config maps are what the base refers to
                Map<String, Object> nested = map(one(file.resolve("kustomization.yaml")));
                for (Object g : list(nested.get("configMapGenerator"))) {
                    Map<String, String> data = new LinkedHashMap<>();
                    for (Object f : list(map(g).get("files"))) {
                        assertThat(file.resolve(String.valueOf(f))).exists();
                        data.put(
                                String.valueOf(f),
                                DeployFiles.read(file.resolve(String.valueOf(f))));
                    }
                    generated.put(String.valueOf(map(g).get("name")), data);
                }
                continue;
            }
            DeployFiles.yamlDocuments(file).forEach(d -> objects.add(map(d)));
        }
        Map<String, Map<String, Object>> services = byKind(objects, "Service");
        Map<String, Map<String, Object>> deployments = byKind(objects, "Deployment");
        assertThat(deployments).containsOnlyKeys("keygate-gateway", "keygate-admin-api");
        assertThat(byKind(objects, "StatefulSet")).containsKey("keygate-redis");

        for (var entry : deployments.entrySet()) {
            String module = entry.getKey().replace("keygate-", "");
            Defaults defaults = Defaults.of(module);
            Map<String, Object> template = map(map(entry.getValue().get("spec")).get("template"));
            Map<String, Object> podLabels = map(map(template.get("metadata")).get("labels"));
            assertThat(podLabels)
                    .containsAllEntriesOf(
                            map(
                                    map(map(entry.getValue().get("spec")).get("selector"))
                                            .get("matchLabels")));
            Map<String, Object> podSpec = map(template.get("spec"));
            assertThat(map(podSpec.get("securityContext"))).containsEntry("runAsNonRoot", true);
            Map<String, Object> container = map(list(podSpec.get("containers")).get(0));
            assertThat(String.valueOf(container.get("image"))).startsWith("keygate/" + module);

            Map<String, String> env = new LinkedHashMap<>();
            for (Object from : list(container.get("envFrom"))) {
                Map<String, Object> ref = map(from);
                String name =
                        String.valueOf(
                                map(ref.getOrDefault("configMapRef", ref.get("secretRef")))
                                        .get("name"));
                assertThat(generated).as("envFrom %s", name).containsKey(name);
                env.putAll(generated.get(name));
            }
            for (Object e : list(container.get("env"))) {
                Map<String, Object> secretRef =
                        map(map(map(e).get("valueFrom")).get("secretKeyRef"));
                if (!secretRef.isEmpty()) {
                    assertSecretKeyExists(generated, secretRef);
                    env.put(String.valueOf(map(e).get("name")), "secret:" + secretRef.get("key"));
                } else {
                    env.put(
                            String.valueOf(map(e).get("name")),
                            String.valueOf(map(e).get("value")));
                }
            }
            assertRealProperties(entry.getKey(), env);
            assertConnectsAsItsAclUser(entry.getKey(), env);
            if (module.equals("admin-api")) {
                assertThat(env).containsKey("KEYGATE_ADMIN_TOKEN");
            } else {
                assertThat(env).containsKey("KEYGATE_GATEWAY_UPSTREAM_URI");
            }

            Map<String, Integer> containerPorts = new HashMap<>();
            for (Object p : list(container.get("ports"))) {
                containerPorts.put(
                        String.valueOf(map(p).get("name")), (Integer) map(p).get("containerPort"));
            }
            assertThat(containerPorts)
                    .containsEntry("http", defaults.server)
                    .containsEntry("management", defaults.management);
            assertThat(env)
                    .containsEntry("SERVER_PORT", String.valueOf(defaults.server))
                    .containsEntry("MANAGEMENT_SERVER_PORT", String.valueOf(defaults.management));
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
                assertThat(get.get("port")).as(probe).isEqualTo("management");
                assertThat(String.valueOf(get.get("path")))
                        .isEqualTo(
                                probe.equals("readinessProbe")
                                        ? "/actuator/health/readiness"
                                        : "/actuator/health/liveness");
            }
            assertThat(map(container.get("resources"))).containsKey("requests");

            Map<String, Object> service = services.get(entry.getKey());
            assertThat(service).as("Service %s", entry.getKey()).isNotNull();
            Map<String, Object> serviceSpec = map(service.get("spec"));
            assertThat(podLabels).containsAllEntriesOf(map(serviceSpec.get("selector")));
            assertThat(serviceSpec.get("type")).isIn(null, "ClusterIP");
            for (Object p : list(serviceSpec.get("ports"))) {
                assertThat(containerPorts).containsKey(String.valueOf(map(p).get("targetPort")));
            }
        }
        assertThat(byKind(objects, "Ingress")).isEmpty();

        Map<String, Object> pdb = byKind(objects, "PodDisruptionBudget").get("keygate-gateway");
        assertThat(map(map(pdb.get("spec")).get("selector")).get("matchLabels"))
                .isEqualTo(
                        map(
                                map(map(deployments.get("keygate-gateway").get("spec"))
                                                .get("selector"))
                                        .get("matchLabels")));
        Map<String, Object> hpa = byKind(objects, "HorizontalPodAutoscaler").get("keygate-gateway");
        assertThat(map(map(hpa.get("spec")).get("scaleTargetRef")).get("name"))
                .isEqualTo("keygate-gateway");

        // The ServiceMonitors scrape a port the Services name, at the path the services expose.
        Map<String, Object> monitoring = map(one("k8s/monitoring/kustomization.yaml"));
        assertThat(list(monitoring.get("resources"))).contains("../base");
        for (Object d :
                DeployFiles.yamlDocuments(
                        DeployFiles.deploy("k8s/monitoring/servicemonitors.yaml"))) {
            Map<String, Object> spec = map(map(d).get("spec"));
            Map<String, Object> matchLabels = map(map(spec.get("selector")).get("matchLabels"));
            List<Map<String, Object>> selected =
                    services.values().stream()
                            .filter(
                                    service ->
                                            map(map(service.get("metadata")).get("labels"))
                                                    .entrySet()
                                                    .containsAll(matchLabels.entrySet()))
                            .toList();
            assertThat(selected).as("ServiceMonitor selecting %s", matchLabels).hasSize(1);
            Map<String, Object> service = selected.get(0);
            Set<Object> portNames = new HashSet<>();
            list(map(service.get("spec")).get("ports"))
                    .forEach(p -> portNames.add(map(p).get("name")));
            for (Object endpoint : list(spec.get("endpoints"))) {
                assertThat(portNames).contains(map(endpoint).get("port"));
                assertThat(map(endpoint).get("path")).isEqualTo("/actuator/prometheus");
            }
            // the job label (dashboard, alerts) is the app name, not the Service's name
            assertThat(spec.get("jobLabel")).isEqualTo("app.kubernetes.io/name");
            assertThat(matchLabels)
                    .containsEntry(
                            "app.kubernetes.io/name",
                            map(d).get("metadata") == null
                                    ? null
                                    : map(map(d).get("metadata")).get("name"));
        }

        // The proxy Service carries the proxy port only; the management port has its own Service.
        assertThat(list(map(services.get("keygate-gateway").get("spec")).get("ports")))
                .extracting(p -> map(p).get("name"))
                .containsExactly("http");
        assertThat(list(map(services.get("keygate-gateway-management").get("spec")).get("ports")))
                .extracting(p -> map(p).get("name"))
                .containsExactly("management");

        // Redis: renders the shipped ACL from the Secret, loads it, never evicts.
        Map<String, Object> redisPod =
                map(
                        map(map(byKind(objects, "StatefulSet").get("keygate-redis").get("spec"))
                                        .get("template"))
                                .get("spec"));
        Map<String, Object> render = map(list(redisPod.get("initContainers")).get(0));
        assertThat(list(render.get("command")))
                .containsSequence(
                        "/bin/sh",
                        "/keygate/redis/render-acl.sh",
                        "/keygate/redis/users.acl",
                        "/run/keygate/users.acl");
        Set<String> provided = new HashSet<>();
        for (Object e : list(render.get("env"))) {
            assertSecretKeyExists(generated, map(map(map(e).get("valueFrom")).get("secretKeyRef")));
            provided.add(String.valueOf(map(e).get("name")));
        }
        assertThat(provided).containsExactlyInAnyOrderElementsOf(aclUsers().values());
        assertThat(generated.get("keygate-redis-acl")).containsKeys("users.acl", "render-acl.sh");
        List<Object> redisArgs = list(map(list(redisPod.get("containers")).get(0)).get("args"));
        assertThat(redisArgs)
                .containsSequence("--aclfile", "/run/keygate/users.acl")
                .containsSequence("--maxmemory-policy", "noeviction");

        assertNetworkPolicies(objects);
    }

    /** Network policies select pods that exist, on ports those pods name. */
    private static void assertNetworkPolicies(List<Map<String, Object>> objects) {
        Map<Map<String, Object>, Set<Object>> pods = new HashMap<>();
        for (String kind : List.of("Deployment", "StatefulSet")) {
            for (Map<String, Object> workload : byKind(objects, kind).values()) {
                Map<String, Object> template = map(map(workload.get("spec")).get("template"));
                Set<Object> portNames = new HashSet<>();
                for (Object c : list(map(template.get("spec")).get("containers"))) {
                    list(map(c).get("ports")).forEach(p -> portNames.add(map(p).get("name")));
                }
                pods.put(map(map(template.get("metadata")).get("labels")), portNames);
            }
        }
        Map<String, Map<String, Object>> policies = byKind(objects, "NetworkPolicy");
        assertThat(policies)
                .containsOnlyKeys(
                        "keygate-default-deny-ingress",
                        "keygate-redis",
                        "keygate-admin-api",
                        "keygate-gateway");
        assertThat(map(policies.get("keygate-default-deny-ingress").get("spec")))
                .containsEntry("podSelector", Map.of())
                .containsEntry("policyTypes", List.of("Ingress"));
        Set<String> operatorLabels = Set.of("keygate.dev/admin-access", "keygate.dev/monitoring");
        for (var policy : policies.entrySet()) {
            Map<String, Object> spec = map(policy.getValue().get("spec"));
            Map<String, Object> selector = map(map(spec.get("podSelector")).get("matchLabels"));
            List<Set<Object>> selectedPorts =
                    pods.entrySet().stream()
                            .filter(pod -> pod.getKey().entrySet().containsAll(selector.entrySet()))
                            .map(Map.Entry::getValue)
                            .toList();
            assertThat(selectedPorts).as("pods selected by %s", policy.getKey()).isNotEmpty();
            for (Object rule : list(spec.get("ingress"))) {
                for (Object port : list(map(rule).get("ports"))) {
                    assertThat(selectedPorts)
                            .as("%s port %s", policy.getKey(), map(port).get("port"))
                            .allMatch(names -> names.contains(map(port).get("port")));
                }
                for (Object from : list(map(rule).get("from"))) {
                    Map<String, Object> peer =
                            map(map(map(from).get("podSelector")).get("matchLabels"));
                    Map<String, Object> namespaces =
                            map(map(map(from).get("namespaceSelector")).get("matchLabels"));
                    if (!namespaces.isEmpty()) {
                        assertThat(namespaces.keySet()).isSubsetOf(operatorLabels);
                    } else if (peer.keySet().stream().anyMatch(operatorLabels::contains)) {
                        continue; // a label operators give their own pods (docs/operations.md)
                    } else {
                        assertThat(pods.keySet())
                                .as("%s admits pods %s", policy.getKey(), peer)
                                .anyMatch(pod -> pod.entrySet().containsAll(peer.entrySet()));
                    }
                }
            }
        }
        // Redis admits exactly the two services.
        assertThat(
                        list(
                                map(list(map(policies.get("keygate-redis").get("spec"))
                                                        .get("ingress"))
                                                .get(0))
                                        .get("from")))
                .extracting(
                        f ->
                                map(map(map(f).get("podSelector")).get("matchLabels"))
                                        .get("app.kubernetes.io/name"))
                .containsExactlyInAnyOrder("keygate-gateway", "keygate-admin-api");
    }

    @Test
    void theDashboardQueriesThePrometheusDataSourceAndEveryPanelHasAQuery() throws IOException {
        JsonNode dashboard =
                JSON.readTree(
                        DeployFiles.read(DeployFiles.deploy("grafana/keygate-dashboard.json")));
        assertThat(dashboard.get("uid").asString()).isEqualTo("keygate");
        Map<String, Object> datasource =
                map(
                        list(map(one("compose/grafana/provisioning/datasources/prometheus.yml"))
                                        .get("datasources"))
                                .get(0));
        assertThat(dashboard.at("/templating/list/0/current/value").asString())
                .isEqualTo(datasource.get("uid"));
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.at("/datasource/uid").asString()).isEqualTo("${datasource}");
            assertThat(panel.get("targets")).isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                assertThat(DeployFiles.metricsIn(target.get("expr").asString())).isNotEmpty();
            }
        }
    }

    // --- helpers
    // -----------------------------------------------------------------------------------

    /**
     * The users of deploy/redis/users.acl other than default, each with the variable its password
     * comes from (its #${VARIABLE} placeholder).
     */
    static Map<String, String> aclUsers() {
        Map<String, String> users = new LinkedHashMap<>();
        Pattern line = Pattern.compile("^user (\\S+) (.*)$");
        Pattern placeholder = Pattern.compile("#\\$\\{([A-Z_]+)}");
        for (String l : DeployFiles.read(DeployFiles.deploy("redis/users.acl")).lines().toList()) {
            Matcher m = line.matcher(l);
            if (!m.matches() || m.group(1).equals("default")) {
                continue;
            }
            Matcher p = placeholder.matcher(m.group(2));
            assertThat(p.find()).as("password placeholder of %s", m.group(1)).isTrue();
            users.put(m.group(1), p.group(1));
        }
        return users;
    }

    /**
     * A service connects with host, port, username and password (no URL: Spring Boot would ignore
     * the username and password), as the ACL user made for it, with that user's password.
     */
    private static void assertConnectsAsItsAclUser(String where, Map<String, String> env) {
        String expectedUser = where.contains("admin") ? "keygate-admin" : "keygate-gateway";
        assertThat(env).as(where).doesNotContainKey("SPRING_DATA_REDIS_URL");
        assertThat(env)
                .as(where)
                .containsEntry("SPRING_DATA_REDIS_USERNAME", expectedUser)
                .containsKey("SPRING_DATA_REDIS_HOST");
        String variable = aclUsers().get(expectedUser);
        assertThat(variable).as("%s in users.acl", expectedUser).isNotNull();
        assertThat(env.get("SPRING_DATA_REDIS_PASSWORD"))
                .as("%s SPRING_DATA_REDIS_PASSWORD", where)
                .matches("(secret:|\\$\\{)" + variable + "(}|:\\?.*})?");
    }

    private static void assertSecretKeyExists(
            Map<String, Map<String, String>> generated, Map<String, Object> secretRef) {
        Map<String, String> secret = generated.get(String.valueOf(secretRef.get("name")));
        assertThat(secret).as("Secret %s", secretRef.get("name")).isNotNull();
        assertThat(secret)
                .as("Secret %s", secretRef.get("name"))
                .containsKey(String.valueOf(secretRef.get("key")));
    }

    private static void assertRealProperties(String where, Map<String, String> env) {
        for (var e : env.entrySet()) {
            if (NOT_PROPERTIES.containsKey(e.getKey())) {
                continue;
            }
            assertThat(isProperty(e.getKey()))
                    .as("%s: %s is not a configuration property of the service", where, e.getKey())
                    .isTrue();
        }
        String inline = env.get("SPRING_APPLICATION_JSON");
        if (inline != null) {
            JsonNode json = JSON.readTree(inline);
            for (String name : json.propertyNames()) {
                assertThat(
                                MAP_PROPERTIES.stream().anyMatch(m -> name.startsWith(m + "."))
                                        || PROPERTIES.contains(name))
                        .as("%s: SPRING_APPLICATION_JSON property %s", where, name)
                        .isTrue();
            }
        }
    }

    /**
     * Spring Boot's environment variable forms: dots to underscores, dashes removed (or, legacy,
     * underscores).
     */
    static boolean isProperty(String variable) {
        for (String property : PROPERTIES) {
            String upper = property.toUpperCase(Locale.ROOT).replace('.', '_');
            if (variable.equals(upper.replace("-", ""))
                    || variable.equals(upper.replace('-', '_'))) {
                return true;
            }
        }
        return false;
    }

    private record Defaults(int server, int management, String exposure) {
        static Defaults of(String module) {
            if (module.equals("gateway")) {
                Map<String, Object> d = KeygateGatewayApplication.DEFAULTS;
                return new Defaults(
                        Integer.parseInt(String.valueOf(d.get("server.port"))),
                        Integer.parseInt(String.valueOf(d.get("management.server.port"))),
                        String.valueOf(d.get("management.endpoints.web.exposure.include")));
            }
            try (InputStream in =
                    ManifestTests.class.getClassLoader().getResourceAsStream("application.yml")) {
                Map<String, Object> yml =
                        map(new Yaml(new SafeConstructor(new LoaderOptions())).load(in));
                Map<String, Object> management = map(yml.get("management"));
                return new Defaults(
                        (Integer) map(yml.get("server")).get("port"),
                        (Integer) map(management.get("server")).get("port"),
                        String.valueOf(
                                map(map(map(management.get("endpoints")).get("web"))
                                                .get("exposure"))
                                        .get("include")));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static Object one(Path file) {
        List<Object> documents = DeployFiles.yamlDocuments(file);
        assertThat(documents).as(file.toString()).hasSize(1);
        return documents.get(0);
    }

    private static Object one(String relative) {
        List<Object> documents = DeployFiles.yamlDocuments(DeployFiles.deploy(relative));
        assertThat(documents).as(relative).hasSize(1);
        return documents.get(0);
    }

    private static Map<String, Map<String, Object>> byKind(
            List<Map<String, Object>> objects, String kind) {
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        for (Map<String, Object> o : objects) {
            if (kind.equals(o.get("kind"))) {
                found.put(String.valueOf(map(o.get("metadata")).get("name")), o);
            }
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o == null ? List.of() : (List<Object>) o;
    }

    private static String kebab(String camel) {
        Matcher m = Pattern.compile("([a-z0-9])([A-Z])").matcher(camel);
        return m.replaceAll("$1-$2").toLowerCase(Locale.ROOT);
    }
}
