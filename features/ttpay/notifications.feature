@ttpay @notification
Feature: Payment notifications
  A paid order with a notify_url is POSTed an encrypted notification, retried until the
  merchant answers "success" (CONTRACT N1-N5). The suite's receiver is the merchant: each
  scenario has a mailbox of its own. What the run cannot wait for is inconclusive, never passed.

  @N1 @N2 @N3 @N5
  Scenario: A paid order is notified in the documented form with the order as the query shows it
    Given an unpaid order to be notified
    When the customer pays it
    Then a notification arrives
    And every notification has the documented form
    And every notification decrypts with the app secret
    And the notified order agrees with the query

  @N4 @N5
  Scenario: An acknowledged notification is not sent again
    Given an unpaid order to be notified
    When the customer pays it
    Then a notification arrives
    And no notification follows the acknowledged one
    And the query counts every notification attempt

  @N4 @N1 @N2 @N5
  Scenario: A refused notification is retried on the documented schedule until acknowledged
    Given an unpaid order to be notified, its receiver answering "fail" 2 times
    When the customer pays it
    Then the notification arrives 3 times, on the documented schedule
    And every notification has the documented form
    And every notification decrypts with the app secret
    And the notified order agrees with the query
    And the query counts every notification attempt
