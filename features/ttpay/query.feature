@ttpay @query
Feature: Query order
  /v1/transaction/query finds an order by out_trade_no or transaction_id and answers its
  TransactionDetail (CONTRACT Q1–Q9).

  @Q1 @Q4
  Scenario: Query by out_trade_no and by transaction_id agree
    Given an unpaid order
    When the merchant queries it both ways
    Then both queries agree on every field but expire_second

  @Q2
  Scenario: A query with neither out_trade_no nor transaction_id is refused
    When the merchant queries without out_trade_no or transaction_id
    Then the request is refused with one of 100, 11003, 20005
    And the response carries no order data

  @Q3
  Scenario Outline: A query for an order that does not exist is refused (by <key>)
    When the merchant queries an order that does not exist by <key>
    Then the request is refused with code 12002
    And the response carries no order data

    Examples:
      | key            |
      | out_trade_no   |
      | transaction_id |

  @Q4 @Q5 @Q7
  Scenario: A new order is NOTPAY with the fields of a new order
    Given an unpaid order
    When the merchant queries it by out_trade_no
    Then the response matches the schema "ttpay/query_response.json"
    And the order is NOTPAY
    And the order looks like a new order

  @Q6 @C7
  Scenario: The order echoes what create sent
    Given an unpaid order with:
      | description | conformance echo check |
      | attach      | anim dolore            |
    When the merchant queries it by transaction_id
    Then the order echoes what was created

  @Q6 @C7
  Scenario Outline: A <currency> order on <chain> echoes chain, currency and amount
    Given an unpaid order with:
      | chain    | "<chain>"    |
      | currency | "<currency>" |
      | amount   | <amount>     |
    When the merchant queries it by out_trade_no
    Then the order echoes what was created

    Examples:
      | chain | currency | amount   |
      | TRON  | TRX      | 15000000 |
      | TRON  | USDT     | 9000000  |

  @Q6 @C7
  Scenario: A monitor order echoes its collection address
    Given an unpaid order with:
      | order_type | merchant_order                     |
      | to_address | TQjxEW2Z3p9wjoxxxxxxxxgJUrWXBun91w |
    When the merchant queries it by out_trade_no
    Then the order echoes what was created

  @Q4 @Q5 @Q8 @needs-paid-order
  Scenario: A paid order is SUCCESS with its payment recorded
    Given a paid order
    When the merchant queries it by out_trade_no
    Then the response matches the schema "ttpay/query_response.json"
    And the order is SUCCESS
    And the order looks like a paid order

  @Q9 @needs-second-merchant
  Scenario Outline: Another merchant cannot read an order (by <key>)
    Given an unpaid order
    When the other merchant queries it by <key>
    Then the request is refused
    And the response carries no order data

    Examples:
      | key            |
      | out_trade_no   |
      | transaction_id |
