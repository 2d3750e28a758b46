package dev.keygate.gateway.authentication;

import dev.keygate.gateway.authentication.RouteRequirements.MalformedRouteRequirementsException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.route.CachingRouteLocator;
import org.springframework.cloud.gateway.route.CompositeRouteLocator;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.Lifecycle;
import org.springframework.context.event.GenericApplicationListener;
import org.springframework.core.Ordered;
import org.springframework.core.ResolvableType;
import reactor.core.publisher.Flux;

/**
 * Reads every route's {@value RouteRequirements#METADATA_KEY} metadata when routes load, not on
 * each request: each {@link RouteLocator} bean (properties, Java DSL, discovery) is wrapped so that
 * a route with malformed metadata makes the load fail with a message naming the route.
 *
 * <ul>
 *   <li>On a refresh ({@code /actuator/gateway/refresh}, a discovery change), Spring Cloud
 *       Gateway's {@link CachingRouteLocator} then keeps the routes it had: the refresh is refused,
 *       no route is served with requirements nobody can read. A <em>scoped</em> refresh (one with
 *       metadata) is SCG's other path: it turns a failed load into no routes for that scope, so the
 *       routes of that scope are dropped (404, still closed). Either way the error is logged here,
 *       naming the route.
 *   <li>At start, the application does not start: the first load's failure is rethrown when the
 *       application has started ({@link ApplicationStartedEvent}), before it reports ready.
 * </ul>
 *
 * <p>Locators that are also listeners or lifecycle beans are not wrapped (the wrapper would hide
 * what they are); their routes' metadata is read on their first request instead, and a malformed
 * one answers 503. The wrapper keeps a locator's {@link Ordered} order. Thread-safe.
 */
public final class RouteRequirementsValidation
        implements BeanPostProcessor, GenericApplicationListener {

    private static final Logger log = LoggerFactory.getLogger(RouteRequirementsValidation.class);

    private volatile boolean started;
    private volatile MalformedRouteRequirementsException atStart;

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof RouteLocator locator
                && !(bean instanceof CachingRouteLocator)
                && !(bean instanceof CompositeRouteLocator)
                && !(bean instanceof ValidatingRouteLocator)
                && !(bean instanceof ApplicationListener<?>)
                && !(bean instanceof Lifecycle)) {
            return new ValidatingRouteLocator(locator);
        }
        return bean;
    }

    @Override
    public boolean supportsEventType(ResolvableType eventType) {
        Class<?> type = eventType.toClass();
        return RefreshRoutesResultEvent.class.isAssignableFrom(type)
                || ApplicationStartedEvent.class.isAssignableFrom(type);
    }

    @Override
    public void onApplicationEvent(ApplicationEvent event) {
        if (event instanceof RefreshRoutesResultEvent result) {
            if (!started && !result.isSuccess() && atStart == null) {
                atStart = malformed(result.getThrowable());
            }
        } else if (event instanceof ApplicationStartedEvent) {
            started = true;
            MalformedRouteRequirementsException failure = atStart;
            if (failure != null) {
                throw new IllegalStateException(
                        "Keygate refuses to start: " + failure.getMessage(), failure);
            }
        }
    }

    private static MalformedRouteRequirementsException malformed(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof MalformedRouteRequirementsException malformed) {
                return malformed;
            }
        }
        return null;
    }

    /** A route locator whose routes' Keygate metadata has been read once, as they load. */
    static final class ValidatingRouteLocator implements RouteLocator, Ordered {

        private final RouteLocator delegate;

        ValidatingRouteLocator(RouteLocator delegate) {
            this.delegate = delegate;
        }

        @Override
        public Flux<Route> getRoutes() {
            return validated(delegate.getRoutes());
        }

        @Override
        public Flux<Route> getRoutesByMetadata(Map<String, Object> metadata) {
            return validated(delegate.getRoutesByMetadata(metadata));
        }

        private static Flux<Route> validated(Flux<Route> routes) {
            return routes.doOnNext(RouteRequirements::of)
                    .doOnError(
                            MalformedRouteRequirementsException.class,
                            malformed ->
                                    log.error(
                                            "Routes not loaded: {}. Fix the route's metadata.",
                                            malformed.getMessage()));
        }

        @Override
        public int getOrder() {
            return delegate instanceof Ordered ordered
                    ? ordered.getOrder()
                    : Ordered.LOWEST_PRECEDENCE;
        }

        @Override
        public String toString() {
            return "ValidatingRouteLocator[" + delegate + "]";
        }
    }
}
