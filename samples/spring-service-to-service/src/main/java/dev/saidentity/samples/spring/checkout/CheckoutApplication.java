package dev.saidentity.samples.spring.checkout;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The checkout service: calls orders through Spring Boot's {@code RestClient.Builder}, to which the
 * starter added the token of the projected volume for audience {@code orders}
 * (application-checkout.yaml). Its own endpoint is open here; a real one would authenticate its users.
 */
@SpringBootApplication
@RestController
public class CheckoutApplication {

  private final RestClient orders;

  /** Checkout with a client for orders. */
  public CheckoutApplication(RestClient.Builder builder, @Value("${orders.url}") String ordersUrl) {
    this.orders = builder.baseUrl(ordersUrl).build();
  }

  /** Starts checkout with the {@code checkout} profile. */
  public static void main(String[] args) {
    SpringApplication app = new SpringApplication(CheckoutApplication.class);
    app.setAdditionalProfiles("checkout");
    app.run(args);
  }

  /** Calls orders (the token is attached by the starter's interceptor). */
  @GetMapping("/checkout")
  public String checkout() {
    return "checkout -> " + orders.get().uri("/orders").retrieve().body(String.class);
  }

  /** Checkout's own endpoint is open in the sample. */
  @Bean
  SecurityFilterChain open(HttpSecurity http) throws Exception {
    return http.authorizeHttpRequests(a -> a.anyRequest().permitAll()).build();
  }
}
