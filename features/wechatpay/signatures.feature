@wechatpay
Feature: Signatures
  Every request is signed WECHATPAY2-SHA256-RSA2048 by the merchant's key; a close signed wrong
  in any way is refused with 401 SIGN_ERROR and has no effect, while every form the official
  SDKs send is accepted. Every 2xx answer — the 204 of a close included — is signed by the
  platform and carries a Request-ID (docs/contract-wechatpay.md W6, W7).

  @W6 @close
  Scenario Outline: A close <how> is refused and has no effect
    Given an unpaid order
    When the merchant closes it <how>
    Then the request fails with status 401 and code SIGN_ERROR
    And the order is still NOTPAY

    Examples: the signature
      | how                                                       |
      | signed with another key                                   |
      | with one byte of the body changed                         |
      | signed for another path                                   |
      | signed as a GET                                           |
      | with an unknown serial_no                                 |
      | naming another mchid in the Authorization                 |

    Examples: the timestamp
      | how                                                       |
      | with a timestamp 301 seconds old                          |
      | with a timestamp 301 seconds ahead                        |
      | with a timestamp an hour old                              |
      | with a timestamp in milliseconds                          |

    Examples: the header
      | how                                                       |
      | without an Authorization header                           |
      | with the Authorization scheme "Bearer"                    |
      | with the Authorization scheme "WECHATPAY2-SHA256-RSA4096" |

  @W6 @close
  Scenario Outline: A close with the Authorization parameters in the order of <sdk> is accepted
    Given an unpaid order
    When the merchant closes it with the Authorization parameters in the order "<order>"
    Then the close succeeds
    And the order is CLOSED

    Examples:
      | sdk                                     | order                                         |
      | Go, Java, Apache HttpClient and node-v3 | mchid,nonce_str,timestamp,serial_no,signature |
      | PHP and the axios plugin                | mchid,serial_no,timestamp,nonce_str,signature |
      | Python wechatpayv3                      | mchid,nonce_str,signature,timestamp,serial_no |

  @W6 @close
  Scenario Outline: A close with a nonce of <length> characters is accepted
    Given an unpaid order
    When the merchant closes it with a nonce of <length> characters
    Then the close succeeds
    And the order is CLOSED

    Examples:
      | length |
      | 32     |
      | 10     |

  @W6 @close
  Scenario: A close whose body is written with JSON spaces is accepted as sent
    Given an unpaid order
    When the merchant closes it with exactly the body:
      """
      {"mchid": "#(mchid)"}
      """
    Then the close succeeds
    And the order is CLOSED

  @W6 @close
  Scenario: A close whose body is written without JSON spaces is accepted as sent
    Given an unpaid order
    When the merchant closes it with exactly the body:
      """
      {"mchid":"#(mchid)"}
      """
    Then the close succeeds
    And the order is CLOSED

  @W1 @W6 @close
  Scenario: An order whose out_trade_no holds a "*" is closed through its percent-encoded path
    Given an unpaid order whose out_trade_no contains "*"
    When the merchant closes it by out_trade_no
    Then the close succeeds
    And the order is CLOSED

  @W7 @close
  Scenario: The 204 of a close is signed by the platform
    Given an unpaid order
    When the merchant closes it
    Then the close succeeds
    And the response is signed by WeChat Pay
    And the response carries a Request-ID

  @W7 @create
  Scenario: A created order is answered signed
    When the merchant creates an order
    Then the order is created
    And the response is signed by WeChat Pay
    And the response carries a Request-ID

  @W7 @query
  Scenario: A query is answered signed
    Given an unpaid order
    When the merchant queries it
    Then the response is signed by WeChat Pay
    And the response carries a Request-ID

  @W7 @close
  Scenario: The signature of a failure is only observed
    When the merchant closes an order that does not exist by out_trade_no
    Then the request fails
    And the response is signed by WeChat Pay

  @W7 @certificates
  Scenario: The platform certificates decrypt and are the ones the platform signs with
    When the merchant downloads the platform certificates
    Then the response matches the schema "wechatpay/certificates_response.json"
    And the response is signed by WeChat Pay
    And each certificate decrypts with the APIv3 key and carries its serial_no
