@wechatpay @close
Feature: Refusals of a close
  A failed close is a 4xx or 5xx with a JSON body {code, message, detail?}; a malformed body
  is refused with a 4xx, never a 5xx, and changes nothing; a body that names another merchant
  than the one who signed is refused (docs/contract-wechatpay.md W3, W4).

  @W3
  Scenario: A failure is a JSON error body with a code and a message
    When the merchant closes an order that does not exist by out_trade_no
    Then the request fails
    And the response matches the schema "wechatpay/error.json"

  @W3 @W4
  Scenario Outline: A close with a body <case> fails with a 4xx and changes nothing
    Given an unpaid order
    When the merchant closes it with a body <case>
    Then the request fails with a 4xx status and one of PARAM_ERROR, INVALID_REQUEST, MCH_NOT_EXISTS
    And the response matches the schema "wechatpay/error.json"
    And the order is still NOTPAY

    Examples:
      | case                      |
      | without mchid             |
      | with mchid as a number    |
      | that is not JSON          |
      | that is empty             |
      | with institutional fields |

  @W3 @W4 @institutional
  Scenario Outline: An institution's close with a body <case> fails with a 4xx and changes nothing
    Given an unpaid order of a sub-merchant
    When the institution closes it with a body <case>
    Then the request fails with a 4xx status and one of PARAM_ERROR, INVALID_REQUEST, MCH_NOT_EXISTS
    And the response matches the schema "wechatpay/error.json"
    And the order is still NOTPAY

    Examples:
      | case                 |
      | without sub_mchid    |
      | with a mchid as well |

  @W4
  Scenario Outline: A close whose body names <whom> fails and changes nothing
    Given an unpaid order
    When the merchant closes it naming <whom> in the body
    Then the request fails with a 4xx status
    And its status and code are observed, 401 SIGN_ERROR expected
    And the order is still NOTPAY

    Examples:
      | whom             |
      | an unknown mchid |

    @needs-second-merchant
    Examples: a real merchant
      | whom                       |
      | the other merchant's mchid |
