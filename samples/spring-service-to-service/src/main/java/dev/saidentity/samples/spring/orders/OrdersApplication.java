package dev.saidentity.samples.spring.orders;

import dev.saidentity.spring.ServiceAccountPrincipal;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The orders service: accepts ServiceAccount tokens for audience {@code orders} from this cluster, and
 * only from {@code shop/checkout} (application-orders.yaml; the starter's default filter chain).
 */
@SpringBootApplication
@RestController
public class OrdersApplication {

  /** Starts orders with the {@code orders} profile. */
  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(OrdersApplication.class);
    app.setAdditionalProfiles("orders");
    app.run(args);
  }

  /** The caller's identity, from its token. */
  @GetMapping("/orders")
  public String orders(@AuthenticationPrincipal ServiceAccountPrincipal caller) {
    return "orders for " + caller.username() + caller.pod().map(p -> " (pod " + p.name() + ")").orElse("");
  }
}
