// Swagger UI over this server's OpenAPI description, from the vendored swagger-ui-dist.
(function () {
  "use strict";
  if (typeof window.SwaggerUIBundle !== "function") return; // the page explains what is missing
  window.SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the default validator is a remote service
  });
})();
