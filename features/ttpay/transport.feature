@ttpay
Feature: Transport and envelope
  Every answer of the TTPay / TokenPay API is HTTP 200 with a strict JSON object in the
  `{code, msg, request_id, data}` envelope, whatever was sent (CONTRACT T3, T4, T5).
  These rules are also checked on every exchange of every other scenario.

  @T3 @T4 @create
  Scenario: A created order is answered with a well-formed envelope
    When the merchant creates an order
    Then the response is well-formed
    And the request succeeds
    And the response matches the schema "ttpay/create_response.json"

  @T3 @T4 @query
  Scenario: A query is answered with a well-formed envelope and order data
    Given an unpaid order
    When the merchant queries it by out_trade_no
    Then the response is well-formed
    And the request succeeds
    And the response matches the schema "ttpay/query_response.json"

  @T3 @T4 @close
  Scenario: A close is answered with a well-formed envelope
    Given an unpaid order
    When the merchant closes it
    Then the response is well-formed
    And the request succeeds
    And the response matches the schema "ttpay/close_response.json"

  @T3 @T4 @query
  Scenario: A refusal is a well-formed envelope too
    When the merchant queries an order that does not exist
    Then the response is well-formed
    And the request is refused

  @T5
  Scenario Outline: Malformed input to <endpoint> gets a JSON refusal, not a crash (<case>)
    When I send to <endpoint> the raw body:
      """
      <body>
      """
    Then the response is a JSON refusal

    @create
    Examples: create
      | endpoint | case                 | body                                  |
      | create   | not JSON             | this is not json                      |
      | create   | truncated JSON       | {"mch_id": "1", "amount":             |
      | create   | a JSON array         | [1, 2, 3]                             |
      | create   | JSON null            | null                                  |
      | create   | a JSON string        | "prepayment"                          |
      | create   | wrong types          | {"mch_id": 1, "amount": {"$gt": 0}}   |
      | create   | empty object         | {}                                    |

    @query
    Examples: query
      | endpoint | case                 | body                                  |
      | query    | not JSON             | <xml/>                                |
      | query    | a JSON number        | 42                                    |
      | query    | id of the wrong type | {"out_trade_no": ["a", "b"]}          |

    @close
    Examples: close
      | endpoint | case                 | body                                  |
      | close    | not JSON             | close it please                       |
      | close    | id of the wrong type | {"transaction_id": {"id": 1}}         |

  @T5 @create
  Scenario Outline: A create with <field> of the wrong JSON type gets a JSON refusal
    When the merchant sends an order with:
      | <field> | <value> |
    Then the response is a JSON refusal

    Examples:
      | field         | value          |
      | amount        | {"$gt": 0}     |
      | amount        | [15000000]     |
      | expire_second | {"seconds": 1} |
      | chain         | 7              |
      | currency      | ["TRX"]        |
      | order_type    | true           |
      | out_trade_no  | {"id": 1}      |

  @T5 @create
  Scenario: A body that is not UTF-8 gets a JSON refusal
    When the merchant sends create a body that is not UTF-8
    Then the response is a JSON refusal

  @T5 @create
  Scenario: An oversized field gets a JSON refusal, not a crash
    When the merchant creates an order with:
      | description | #repeat(x, 100000) |
    Then the response is well-formed

  @T5
  Scenario Outline: A <endpoint> request <case> gets a JSON refusal
    When the merchant sends <endpoint> <case>
    Then the response is a JSON refusal

    @create
    Examples: create
      | endpoint | case                                    |
      | create   | without an Authorization header         |
      | create   | with an unreadable Authorization header |

    @query
    Examples: query
      | endpoint | case                                    |
      | query    | without an Authorization header         |
      | query    | with an unreadable Authorization header |

    @close
    Examples: close
      | endpoint | case                                    |
      | close    | without an Authorization header         |
      | close    | with an unreadable Authorization header |
