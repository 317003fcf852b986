@wechatpay @close
Feature: Close order
  POST /v3/global/transactions/out-trade-no/{out_trade_no}/close and …/id/{transaction_id}/close
  close an unpaid order: 204 with an empty body, and the order is CLOSED. A paid order cannot be
  closed, a closed one stays closed, and nobody closes another merchant's order
  (docs/contract-wechatpay.md W1, W2, W4, W5).

  @W1 @W2
  Scenario: An unpaid order is closed by out_trade_no
    Given an unpaid order
    When the merchant closes it by out_trade_no
    Then the close succeeds
    And the order is CLOSED

  @W1 @W2
  Scenario: An unpaid order is closed by transaction_id
    Given an unpaid order
    When the merchant closes it by transaction_id
    Then the close succeeds
    And the order is CLOSED

  @W2
  Scenario: A close is answered 204 with an empty body, never 200
    Given an unpaid order
    When the merchant closes it
    Then the close succeeds

  @W1 @W2 @institutional
  Scenario: An institution closes its sub-merchant's unpaid order
    Given an unpaid order of a sub-merchant
    When the institution closes it
    Then the close succeeds
    And the order is CLOSED

  @W4 @needs-paid-order
  Scenario: A paid order cannot be closed
    Given a paid order
    When the merchant closes it
    Then the request fails with code ORDERPAID
    And its status and code are observed, 403 ORDERPAID expected
    And the order is still SUCCESS

  @W4
  Scenario: Closing a closed order again leaves it closed
    Given a closed order
    When the merchant closes it again
    Then the close succeeds or fails with one of ORDERCLOSED, ORDER_CLOSED
    And the order is still CLOSED

  @W4
  Scenario Outline: Closing an order that does not exist fails (by <key>)
    When the merchant closes an order that does not exist by <key>
    Then the request fails
    And its status and code are observed, 404 ORDER_NOT_EXIST expected

    Examples:
      | key            |
      | out_trade_no   |
      | transaction_id |

  @W4 @needs-second-merchant
  Scenario Outline: Another merchant cannot close an order (by <key>)
    Given an unpaid order
    When the other merchant closes it by <key>
    Then the request fails
    And its status and code are observed, 404 ORDER_NOT_EXIST expected
    And the order is still NOTPAY

    Examples:
      | key            |
      | out_trade_no   |
      | transaction_id |

  @W5
  Scenario: A young order's close is never a failure
    Given an unpaid order created just now
    When the merchant closes it
    Then the close succeeds or is refused for the order's age
    And the order is CLOSED if the close succeeded, else still NOTPAY

  @W5 @W2
  Scenario: An order old enough to close is closed
    Given an unpaid order created just now
    And the order is old enough to close
    When the merchant closes it
    Then the close succeeds
    And the order is CLOSED
