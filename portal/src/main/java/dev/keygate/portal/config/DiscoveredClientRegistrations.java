package dev.keygate.portal.config;

import java.time.Duration;
import java.util.Objects;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrations;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The portal's one client registration ({@value #REGISTRATION_ID}), made from {@code
 * keygate.portal.oidc.*} and the provider's discovery document, read on the first sign-in rather
 * than at start (as Boot's {@code spring.security.oauth2.client.provider.*.issuer-uri} would), so
 * the portal starts and reports ready while its provider is still starting or briefly down. A
 * failed read is not kept: the next sign-in tries again. Spring Security's {@link
 * ClientRegistrations} reads the document with a blocking client, so the read runs on Reactor's
 * bounded-elastic scheduler, never on the event loop. Thread-safe.
 */
final class DiscoveredClientRegistrations implements ReactiveClientRegistrationRepository {

    /** The registration id, the last segment of the redirect URI. */
    static final String REGISTRATION_ID = "keygate";

    private final Mono<ClientRegistration> registration;

    DiscoveredClientRegistrations(PortalProperties.OidcProperties oidc) {
        Objects.requireNonNull(oidc, "oidc");
        this.registration =
                Mono.fromCallable(() -> discover(oidc))
                        .subscribeOn(Schedulers.boundedElastic())
                        .cache(
                                found -> Duration.ofMillis(Long.MAX_VALUE),
                                failed -> Duration.ZERO,
                                () -> Duration.ZERO);
    }

    private static ClientRegistration discover(PortalProperties.OidcProperties oidc) {
        boolean publicClient = oidc.clientSecret() == null || oidc.clientSecret().isEmpty();
        return ClientRegistrations.fromIssuerLocation(oidc.issuer().toString())
                .registrationId(REGISTRATION_ID)
                .clientId(oidc.clientId())
                .clientSecret(publicClient ? null : oidc.clientSecret())
                .clientAuthenticationMethod(
                        publicClient
                                ? ClientAuthenticationMethod.NONE
                                : ClientAuthenticationMethod.CLIENT_SECRET_BASIC)
                .scope(oidc.scopes())
                .redirectUri("{baseUrl}/login/oauth2/code/{registrationId}")
                .build();
    }

    @Override
    public Mono<ClientRegistration> findByRegistrationId(String registrationId) {
        return REGISTRATION_ID.equals(registrationId) ? registration : Mono.empty();
    }
}
