package dev.keygate.portal.web;

import dev.keygate.admin.problem.ProblemAdvice;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The admin API's problem mapping (RFC 9457 documents with the admin API's problem types, field
 * errors and request id), for the self-service API only: the pages have their own error pages
 * ({@link PortalPageAdvice}).
 */
@RestControllerAdvice(assignableTypes = SelfKeyController.class)
public class SelfServiceProblemAdvice extends ProblemAdvice {}
