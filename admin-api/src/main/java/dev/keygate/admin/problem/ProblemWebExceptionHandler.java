package dev.keygate.admin.problem;

import java.net.URI;
import java.util.List;
import java.util.Objects;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Writes the errors that happen outside the dispatcher, in the admin API's filters (a refused admin
 * token, a body over the size limit, anything unexpected there), as the same problem documents
 * {@link ProblemAdvice} writes for controllers, through the application's own codecs. Runs before
 * Spring Boot's error handler, so no error leaves in another shape. Stateless and thread-safe.
 */
public final class ProblemWebExceptionHandler implements WebExceptionHandler, Ordered {

    private final ServerResponse.Context context;

    public ProblemWebExceptionHandler(ServerCodecConfigurer codecs) {
        List<HttpMessageWriter<?>> writers = Objects.requireNonNull(codecs, "codecs").getWriters();
        this.context =
                new ServerResponse.Context() {
                    @Override
                    public List<HttpMessageWriter<?>> messageWriters() {
                        return writers;
                    }

                    @Override
                    public List<ViewResolver> viewResolvers() {
                        return List.of();
                    }
                };
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(ex);
        }
        ResponseEntity<ProblemDetail> problem =
                ProblemResolver.resolve(ex, HttpHeaders.EMPTY, exchange);
        problem.getBody().setInstance(URI.create(exchange.getRequest().getPath().value()));
        return ServerResponse.status(problem.getStatusCode())
                .headers(headers -> headers.addAll(problem.getHeaders()))
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .bodyValue(problem.getBody())
                .flatMap(response -> response.writeTo(exchange, context));
    }

    @Override
    public int getOrder() {
        // before Spring Boot's DefaultErrorWebExceptionHandler (-1)
        return -2;
    }
}
