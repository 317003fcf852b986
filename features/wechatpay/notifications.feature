@wechatpay @notification
Feature: Payment notifications
  A paid order with a notify_url is POSTed a TRANSACTION.SUCCESS event, signed by the platform,
  its transaction encrypted under the APIv3 key, and retried until the merchant answers 2xx
  (CONTRACT WN1-WN4). The suite's receiver is the merchant: each scenario has a mailbox of its
  own. What the run cannot wait for is inconclusive, never passed.

  @WN1 @WN2 @WN3
  Scenario: A paid order is notified, signed and encrypted, with the transaction as the query shows it
    Given an unpaid order to be notified
    When the customer pays it
    Then a notification arrives
    And every notification is signed by the platform
    And every notification decrypts with the APIv3 key
    And the notified transaction agrees with the query

  @WN4
  Scenario: An acknowledged notification is not sent again
    Given an unpaid order to be notified
    When the customer pays it
    Then a notification arrives
    And no notification follows the acknowledged one

  @WN4 @WN1 @WN2
  Scenario: A refused notification is retried on the schedule, under one notification id
    Given an unpaid order to be notified, its receiver answering "fail" 2 times
    When the customer pays it
    Then the notification arrives 3 times, on the documented schedule
    And every notification is signed by the platform
    And every notification decrypts with the APIv3 key
    And every retry carries the same notification id
