package dev.saidentity.testing;

/** The API contract against the fake over HTTPS, trusting only its CA. */
class FakeHttpsContractTest extends ApiContract {
  @Override
  Target target() {
    return fake(true);
  }
}
