@ttpay @create
Feature: Create order (prepayment)
  POST /v1/transaction/prepayment creates an order and answers its prepay_id and payment URL.
  Required: mch_id, out_trade_no, expire_second, amount, chain, currency, order_type
  (CONTRACT C1–C7).

  @C5
  Scenario: A valid order is created with a prepay_id and a payment URL
    When the merchant creates an order
    Then the order is created
    And the response matches the schema "ttpay/create_response.json"

  @C5
  Scenario: A monitor order with a collection address is created
    When the merchant creates an order with:
      | order_type | merchant_order                     |
      | to_address | TQjxEW2Z3p9wjoxxxxxxxxgJUrWXBun91w |
    Then the order is created

  @C5
  Scenario: An order with every optional field is created
    When the merchant creates an order with:
      | description | recharge                 |
      | attach      | anim dolore              |
      | locale      | en                       |
      | notify_url  | https://example.com/hook |
      | return_url  | https://example.com/done |
    Then the order is created

  @C2
  Scenario Outline: A create without <field> is refused and creates nothing
    When the merchant creates an order without "<field>"
    Then the request is refused with one of 100, 11003, 20005
    And no order exists with that out_trade_no

    Examples:
      | field         |
      | mch_id        |
      | expire_second |
      | amount        |
      | chain         |
      | currency      |
      | order_type    |

  @C2
  Scenario: A create without out_trade_no is refused
    When the merchant creates an order without "out_trade_no"
    Then the request is refused with one of 100, 11003, 20005

  @C3
  Scenario Outline: A create with <field> <case> is refused and creates nothing
    When the merchant creates an order with:
      | <field> | <value> |
    Then the request is refused
    And no order exists with that out_trade_no

    Examples: amount
      | field  | case             | value      |
      | amount | zero             | 0          |
      | amount | negative         | -15000000  |
      | amount | as text          | "15000000" |
      | amount | as a word        | "fifteen"  |
      | amount | null             | null       |

    Examples: expire_second
      | field         | case         | value  |
      | expire_second | zero         | 0      |
      | expire_second | negative     | -600   |
      | expire_second | fractional   | 600.5  |
      | expire_second | as text      | "600"  |

    Examples: chain, currency, order_type, locale
      | field      | case                      | value           |
      | chain      | unknown                   | "SOLANA"        |
      | chain      | in the wrong case         | "tron"          |
      | currency   | not offered on the chain  | "DOGE"          |
      | currency   | of another chain          | "ETH"           |
      | order_type | outside the enum          | "p2p_order"     |
      | order_type | in the wrong case         | "PLATFORM_ORDER"|
      | locale     | outside the enum          | "fr"            |

    Examples: mch_id
      | field  | case                  | value          |
      | mch_id | of another merchant   | #other_mch_id  |
      | mch_id | that does not exist   | "0000000000"   |

  @C4
  Scenario: A monitor order without a collection address is refused and creates nothing
    When the merchant creates an order with:
      | order_type | merchant_order |
    Then the request is refused
    And no order exists with that out_trade_no

  @C6 @C7
  Scenario: A duplicate out_trade_no does not yield a second order
    Given an unpaid order
    When the merchant creates it again with:
      | amount      | 30000000      |
      | description | the duplicate |
    Then no second order is created
    And the order keeps the values it was created with

  @C6 @C7 @needs-second-merchant
  Scenario: Another merchant may use the same out_trade_no
    Given an unpaid order
    When the other merchant creates an order with the same out_trade_no
    Then the order is created
    And the order keeps the values it was created with
