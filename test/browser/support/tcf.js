/**
 * An IAB TCF v2.2 CMP stand-in: the parts of the CMP API a same-frame caller uses
 * (https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework/blob/master/TCFv2/IAB%20Tech%20Lab%20-%20CMP%20API%20v2.md):
 * `__tcfapi('ping', 2, cb)`, `__tcfapi('addEventListener', 2, cb)`, which calls `cb(tcData, true)`
 * at once with the current TCData and its `listenerId` and again on every change of the TC
 * string, and `__tcfapi('removeEventListener', 2, cb, listenerId)`, which calls `cb(success)`.
 * GDPR applies; the banner is showing (`cmpuishown`, every consent false) until
 * `window.tcfStandIn.choose({ 1: true, 7: true, … })`, the visitor's choice (`useractioncomplete`).
 * `window.tcfStandIn.listeners()` says how many listeners are registered.
 */
(() => {
  const listeners = new Map();
  let nextListenerId = 1;
  let tcData = {
    tcString: 'CQ-standin-shown',
    tcfPolicyVersion: 5,
    cmpId: 999,
    cmpVersion: 1,
    gdprApplies: true,
    eventStatus: 'cmpuishown',
    cmpStatus: 'loaded',
    isServiceSpecific: true,
    useNonStandardStacks: false,
    publisherCC: 'DE',
    purposeOneTreatment: false,
    purpose: { consents: {}, legitimateInterests: { 7: true, 8: true, 9: true, 10: true } },
    vendor: { consents: {}, legitimateInterests: {} },
    specialFeatureOptins: {},
    publisher: {
      consents: {},
      legitimateInterests: {},
      customPurpose: { consents: {}, legitimateInterests: {} },
      restrictions: {},
    },
  };
  const tell = (callback, listenerId) => callback({ ...tcData, listenerId }, true);

  window.__tcfapi = (command, version, callback, parameter) => {
    if (version !== 2 || typeof callback != 'function') return;
    if (command === 'ping')
      callback({
        gdprApplies: true,
        cmpLoaded: true,
        cmpStatus: 'loaded',
        displayStatus: 'visible',
        apiVersion: '2.2',
        cmpId: 999,
        cmpVersion: 1,
        tcfPolicyVersion: 5,
      });
    else if (command === 'addEventListener') {
      const listenerId = nextListenerId++;
      listeners.set(listenerId, callback);
      tell(callback, listenerId);
    } else if (command === 'removeEventListener') callback(listeners.delete(parameter));
  };

  window.tcfStandIn = {
    choose(consents) {
      tcData = {
        ...tcData,
        tcString: 'CQ-standin-chosen',
        eventStatus: 'useractioncomplete',
        purpose: { ...tcData.purpose, consents },
      };
      for (const [listenerId, callback] of listeners) tell(callback, listenerId);
    },
    listeners: () => listeners.size,
  };
})();
