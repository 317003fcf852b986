@wechatpay
Feature: Orders to close
  To close an order the suite creates one (Native, POST /v3/global/transactions/native) and
  reads its state (GET /v3/global/transactions/out-trade-no/{out_trade_no}); both are checked
  only as far as closing needs them (docs/contract-wechatpay.md G1, G2).

  @G1 @create
  Scenario: A Native order is created with a code_url
    When the merchant creates an order
    Then the order is created
    And the response matches the schema "wechatpay/create_response.json"

  @G1 @create
  Scenario: Creating the same order again answers the same code_url
    Given an unpaid order
    When the merchant creates it again with the same content
    Then the order is created with the same code_url

  @G1 @create @institutional
  Scenario: An institution creates an order for a sub-merchant
    When the institution creates an order for a sub-merchant
    Then the order is created
    And the response matches the schema "wechatpay/create_response.json"

  @G2 @query
  Scenario: A new order is NOTPAY
    Given an unpaid order
    When the merchant queries it
    Then the response matches the schema "wechatpay/query_response.json"
    And the answer names the order
    And the order is NOTPAY

  @G2 @query @institutional
  Scenario: An institution reads its sub-merchant's order
    Given an unpaid order of a sub-merchant
    When the institution queries it
    Then the response matches the schema "wechatpay/query_response.json"
    And the answer names the order
    And the order is NOTPAY

  @G2 @query @needs-paid-order
  Scenario: A paid order is SUCCESS
    Given a paid order
    When the merchant queries it
    Then the response matches the schema "wechatpay/query_response.json"
    And the order is SUCCESS
