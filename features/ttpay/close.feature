@ttpay @close
Feature: Close order
  /v1/transaction/close closes an unpaid order by transaction_id; paid orders cannot be closed
  and nobody closes another merchant's order (CONTRACT X1–X6).

  @X1
  Scenario: An unpaid order is closed
    Given an unpaid order
    When the merchant closes it
    Then the request succeeds
    And the order is CLOSED
    And the order has a close_time

  @X2 @needs-paid-order
  Scenario: A paid order cannot be closed
    Given a paid order
    When the merchant closes it
    Then the request is refused
    And the order is still SUCCESS

  @X3
  Scenario: Closing a closed order again leaves it closed at the same time
    Given a closed order
    When the merchant closes it again
    Then the order is still CLOSED
    And its close_time is unchanged

  @X4
  Scenario: Closing an order that does not exist is refused
    When the merchant closes an order that does not exist
    Then the request is refused

  @X5
  Scenario: A close without a transaction_id is refused
    Given an unpaid order
    When the merchant closes without a transaction_id
    Then the request is refused
    And the order is still NOTPAY

  @X6 @needs-second-merchant
  Scenario: Another merchant cannot close an order
    Given an unpaid order
    When the other merchant closes it
    Then the request is refused
    And the order is still NOTPAY
