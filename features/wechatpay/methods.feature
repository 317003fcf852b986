@wechatpay @close
Feature: Methods on a close path
  A close is POST only: any other method on a close path fails and does not close the order,
  even when it is signed right for that method (docs/contract-wechatpay.md W4).

  @W4
  Scenario Outline: <method> on a close path fails and does not close the order
    Given an unpaid order
    When the merchant sends <method> to the order's close path
    Then the request fails
    And its status and code are observed, 405 REQUIRE_POST_METHOD expected
    And the order is still NOTPAY

    Examples:
      | method |
      | GET    |
      | PUT    |
      | DELETE |
