@ttpay
Feature: Authentication
  Every call is signed TTPAY-AES-256-ECB with the app secret; the provider refuses what is not
  signed right and refused calls have no effect. Responses are signed back (CONTRACT A3–A6).

  @A3 @close
  Scenario: A close with a wrong signature is refused and has no effect
    Given an unpaid order
    When the merchant closes it with a wrong signature
    Then the request is refused with code 103
    And the order is still NOTPAY

  @A3 @create
  Scenario: A create with a wrong signature is refused and creates nothing
    When the merchant creates an order with a wrong signature
    Then the request is refused with code 103
    And no order exists with that out_trade_no

  @A3 @query
  Scenario: A query with a wrong signature is refused
    Given an unpaid order
    When the merchant queries it by out_trade_no with a wrong signature
    Then the request is refused with code 103
    And the response carries no order data

  @A4 @create
  Scenario: A create signed an hour ago is refused as a replay
    When the merchant creates an order with a timestamp an hour old
    Then the request is refused with one of 104, 103
    And no order exists with that out_trade_no

  @A4 @close
  Scenario: A close signed an hour ago is refused and has no effect
    Given an unpaid order
    When the merchant closes it with a timestamp an hour old
    Then the request is refused with one of 104, 103
    And the order is still NOTPAY

  @A5 @query
  Scenario: An unknown application is refused
    Given an unpaid order
    When the merchant queries it by out_trade_no as an unknown application
    Then the request is refused with one of 20000, 103
    And the response carries no order data

  @A5 @create
  Scenario: An unknown application creates nothing
    When the merchant creates an order as an unknown application
    Then the request is refused with one of 20000, 103
    And no order exists with that out_trade_no

  @A6 @create
  Scenario: A created order is answered with a signed response
    When the merchant creates an order
    Then the response is signed by the provider

  @A6 @query
  Scenario: A query is answered with a signed response
    Given an unpaid order
    When the merchant queries it by transaction_id
    Then the response is signed by the provider

  @A6 @close
  Scenario: A refusal is signed too
    When the merchant closes an order that does not exist
    Then the response is signed by the provider
