package dev.keygate.portal.config;

import dev.keygate.admin.propagation.PropagationTracker;
import dev.keygate.admin.service.KeyAdminService;
import dev.keygate.admin.web.RequestIdWebFilter;
import dev.keygate.core.store.RedisKeyspace;
import dev.keygate.portal.keys.CreationRateLimiter;
import dev.keygate.portal.keys.SelfServiceKeys;
import dev.keygate.portal.user.PortalUsers;
import java.time.Clock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.web.server.session.WebSessionIdResolver;

/**
 * Wires the portal on top of the admin service layer ({@code KeyServiceConfiguration}, imported by
 * the application): the portal's rules ({@link SelfServiceKeys}), its creation counter, the user
 * claims, the provider's client registration and the session cookie. Security is in {@link
 * PortalSecurityConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
class PortalConfiguration {

    @Bean
    PortalUsers portalUsers(PortalProperties properties) {
        return new PortalUsers(properties.oidc());
    }

    @Bean
    CreationRateLimiter creationRateLimiter(
            ReactiveStringRedisTemplate redis,
            RedisKeyspace keyspace,
            PortalProperties properties) {
        return new CreationRateLimiter(redis, keyspace, properties.creationRate());
    }

    @Bean
    SelfServiceKeys selfServiceKeys(
            KeyAdminService service,
            PropagationTracker propagation,
            CreationRateLimiter rateLimiter,
            PortalProperties properties,
            Clock clock) {
        return new SelfServiceKeys(service, propagation, rateLimiter, properties, clock);
    }

    @Bean
    ReactiveClientRegistrationRepository clientRegistrations(PortalProperties properties) {
        return new DiscoveredClientRegistrations(properties.oidc());
    }

    /** Boot's session manager takes this resolver (the session cookie's attributes). */
    @Bean
    WebSessionIdResolver webSessionIdResolver() {
        return new LoopbackAwareSessionIdResolver();
    }

    /** Every request gets an X-Request-Id (kept when the caller sent a valid one). */
    @Bean
    RequestIdWebFilter requestIdWebFilter() {
        return new RequestIdWebFilter();
    }
}
