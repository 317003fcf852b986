@ttpay
Feature: Methods the API does not document
  PUT, DELETE and PATCH on any endpoint, and GET on create and close, are signed as sent and
  must not succeed, must have no effect, must get neither a 5xx nor a dropped connection, and
  must leave the connection usable for the next valid request (CONTRACT T7).

  @T7 @close
  Scenario Outline: A <method> to close is refused and leaves the order unpaid
    Given an unpaid order
    When the merchant closes it with <method>
    Then the method is refused
    And the connection still answers a valid request
    And the order is still NOTPAY

    Examples:
      | method |
      | PUT    |
      | DELETE |
      | PATCH  |
      | GET    |

  @T7 @create
  Scenario Outline: A <method> to create is refused and creates nothing
    When the merchant creates an order with <method>
    Then the method is refused
    And the connection still answers a valid request
    And no order exists with that out_trade_no

    Examples:
      | method |
      | GET    |
      | PUT    |
      | DELETE |
      | PATCH  |

  @T7 @query
  Scenario Outline: A <method> to query is refused
    Given an unpaid order
    When the merchant queries it with <method>
    Then the method is refused
    And the connection still answers a valid request

    Examples:
      | method |
      | PUT    |
      | DELETE |
      | PATCH  |
