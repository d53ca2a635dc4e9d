// A charge point built on the npm package `ocpp-rpc` in strict mode, run against the
// reference CSMS (the `csms` example) by tests/csms_interop.rs.
//
// usage: node station.js URL IDENTITY 1.6|2.0.1|2.1 TOKEN BLOCKED_TOKEN [session|boot]
//
// The same station as tests/interop/station_against_csms.py: boots, sends a heartbeat and
// its connector's status, authorizes TOKEN and BLOCKED_TOKEN, charges with TOKEN (the
// energy register reads 2500 Wh at the start, 6 kWh a quarter of an hour later and
// 12500 Wh at the end, half an hour after the start), frees its connector and prints
// `ready`; then answers GetConfiguration (1.6) or GetVariables (2.x) of HeartbeatInterval
// with the interval its boot was given, and Reset; then it closes the connection and prints
// `closed` with the close code it got (1000 when the CSMS answered its Close frame with one,
// 1006 when the connection just ended). With `boot` instead of `session` (the default), it
// only boots before it closes.
//
// Strict mode validates every call and answer, both ways, against the package's schemas
// of the version: a message that fails is not sent (ours) or not accepted (theirs), and is
// reported. Prints one JSON line per step; exits 0 when every answer had the expected form
// and nothing failed validation, 1 (after an `error` line) otherwise.

'use strict';

const { RPCClient, createValidator } = require('ocpp-rpc');

// The energy register of the session, in Wh: start, a quarter of an hour in, and stop.
const METER_START_WH = 2500;
const METER_MIDDLE_WH = 6000;
const METER_STOP_WH = 12500;

// ocpp-rpc 2.2.1 bundles the OCPP 2.1 schemas under the ids `urn:<Action>Request` and
// `urn:<Action>Response`, but strict mode looks schemas up as `urn:<Action>.req` and
// `urn:<Action>.conf` (the ids of its 1.6 and 2.0.1 schemas), so it refuses every 2.1 message
// as having no schema. The same bundled schemas under the ids it looks up fix that. Their
// enumerations also carry `additionalProperties`, meaningless on strings, which Ajv warns
// about on standard error for each one: it is dropped there.
function ocpp21Validator() {
    const schemas = require('ocpp-rpc/lib/schemas/ocpp2_1.json').map((schema) => {
        const definitions = {};
        for (const [name, definition] of Object.entries(schema.definitions ?? {})) {
            if (definition.type === 'string') {
                const { additionalProperties, ...rest } = definition;
                definitions[name] = rest;
            } else {
                definitions[name] = definition;
            }
        }
        return {
            ...schema,
            definitions,
            $id: schema.$id.replace(/Request$/, '.req').replace(/Response$/, '.conf'),
        };
    });
    return createValidator('ocpp2.1', schemas);
}

function report(fields) {
    process.stdout.write(JSON.stringify(fields) + '\n');
}

function expect(what, actual, expected) {
    if (actual !== expected) {
        throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
    }
}

// The start, middle and end of the session: half an hour, ending now (whole seconds).
function timestamps() {
    const end = Math.floor(Date.now() / 1000) * 1000;
    const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
    return [iso(end - 30 * 60 * 1000), iso(end - 15 * 60 * 1000), iso(end)];
}

function now() {
    return new Date().toISOString();
}

async function run16(cli, state, token, blocked) {
    const [startAt, middleAt, endAt] = timestamps();
    cli.handle('GetConfiguration', ({ params }) => {
        report({ step: 'command', action: 'GetConfiguration', keys: params.key ?? null });
        const known = { HeartbeatInterval: String(state.interval) };
        const asked = params.key ?? Object.keys(known);
        const answer = {
            configurationKey: asked
                .filter((key) => key in known)
                .map((key) => ({ key, readonly: false, value: known[key] })),
        };
        const unknown = asked.filter((key) => !(key in known));
        if (unknown.length > 0) {
            answer.unknownKey = unknown;
        }
        return answer;
    });
    cli.handle('Reset', ({ params }) => {
        report({ step: 'command', action: 'Reset', type: params.type });
        return { status: 'Accepted' };
    });

    const boot = await cli.call('BootNotification', bootRequest('1.6'));
    expect('boot status', boot.status, 'Accepted');
    state.interval = boot.interval;
    report({ step: 'boot', status: boot.status, interval: boot.interval });
    await cli.call('Heartbeat', {});
    const status = async (value) => {
        await cli.call('StatusNotification', {
            connectorId: 1,
            errorCode: 'NoError',
            status: value,
            timestamp: now(),
        });
        report({ step: 'status', status: value });
    };
    await status('Available');

    const auth = await cli.call('Authorize', { idTag: token });
    report({ step: 'authorize', token, status: auth.idTagInfo.status });
    const refused = await cli.call('Authorize', { idTag: blocked });
    report({ step: 'authorize', token: blocked, status: refused.idTagInfo.status });

    await status('Preparing');
    const start = await cli.call('StartTransaction', {
        connectorId: 1,
        idTag: token,
        meterStart: METER_START_WH,
        timestamp: startAt,
    });
    report({
        step: 'started',
        transaction_id: start.transactionId,
        status: start.idTagInfo.status,
    });
    await status('Charging');
    await cli.call('MeterValues', {
        connectorId: 1,
        transactionId: start.transactionId,
        meterValue: [{
            timestamp: middleAt,
            sampledValue: [
                {
                    value: (METER_MIDDLE_WH / 1000).toFixed(3),
                    measurand: 'Energy.Active.Import.Register',
                    unit: 'kWh',
                    context: 'Sample.Periodic',
                },
                { value: '7400', measurand: 'Power.Active.Import', unit: 'W' },
            ],
        }],
    });
    report({ step: 'meter_values' });
    const stop = await cli.call('StopTransaction', {
        meterStop: METER_STOP_WH,
        timestamp: endAt,
        transactionId: start.transactionId,
        idTag: token,
        reason: 'Local',
        transactionData: [{
            timestamp: endAt,
            sampledValue: [{
                value: String(METER_STOP_WH),
                measurand: 'Energy.Active.Import.Register',
                unit: 'Wh',
                context: 'Transaction.End',
            }],
        }],
    });
    report({ step: 'stopped', status: stop.idTagInfo ? stop.idTagInfo.status : null });
    await status('Available');
}

async function run2x(cli, state, identity, version, token, blocked) {
    const [startAt, middleAt, endAt] = timestamps();
    cli.handle('GetVariables', ({ params }) => {
        const results = params.getVariableData.map((data) => {
            const component = data.component.name;
            const variable = data.variable.name;
            report({ step: 'command', action: 'GetVariables', component, variable });
            const known = component === 'OCPPCommCtrlr' && variable === 'HeartbeatInterval';
            const result = {
                attributeStatus: known ? 'Accepted' : 'UnknownVariable',
                component: data.component,
                variable: data.variable,
            };
            if (known) {
                result.attributeValue = String(state.interval);
            }
            return result;
        });
        return { getVariableResult: results };
    });
    cli.handle('Reset', ({ params }) => {
        report({ step: 'command', action: 'Reset', type: params.type });
        return { status: 'Accepted' };
    });

    const boot = await cli.call('BootNotification', bootRequest(version));
    expect('boot status', boot.status, 'Accepted');
    state.interval = boot.interval;
    report({ step: 'boot', status: boot.status, interval: boot.interval });
    await cli.call('Heartbeat', {});
    const status = async (value) => {
        await cli.call('StatusNotification', {
            timestamp: now(),
            connectorStatus: value,
            evseId: 1,
            connectorId: 1,
        });
        report({ step: 'status', status: value });
    };
    await status('Available');

    const idToken = (uid) => ({ idToken: uid, type: 'ISO14443' });
    const auth = await cli.call('Authorize', { idToken: idToken(token) });
    report({ step: 'authorize', token, status: auth.idTokenInfo.status });
    const refused = await cli.call('Authorize', { idToken: idToken(blocked) });
    report({ step: 'authorize', token: blocked, status: refused.idTokenInfo.status });

    await status('Occupied');
    const transactionId = `${identity}-node-${version}`;
    const energy = (timestamp, value, context, unit = 'Wh') => [{
        timestamp,
        sampledValue: [{
            value,
            measurand: 'Energy.Active.Import.Register',
            context,
            unitOfMeasure: { unit },
        }],
    }];
    const events = [
        {
            eventType: 'Started',
            timestamp: startAt,
            triggerReason: 'Authorized',
            seqNo: 0,
            transactionInfo: { transactionId, chargingState: 'Charging' },
            idToken: idToken(token),
            evse: { id: 1, connectorId: 1 },
            meterValue: energy(startAt, METER_START_WH, 'Transaction.Begin'),
        },
        {
            eventType: 'Updated',
            timestamp: middleAt,
            triggerReason: 'MeterValuePeriodic',
            seqNo: 1,
            transactionInfo: { transactionId, chargingState: 'Charging' },
            meterValue: energy(middleAt, METER_MIDDLE_WH / 1000, 'Sample.Periodic', 'kWh'),
        },
        {
            eventType: 'Ended',
            timestamp: endAt,
            triggerReason: 'StopAuthorized',
            seqNo: 2,
            transactionInfo: {
                transactionId,
                chargingState: 'EVConnected',
                stoppedReason: 'Local',
            },
            idToken: idToken(token),
            meterValue: energy(endAt, METER_STOP_WH, 'Transaction.End'),
        },
    ];
    for (const event of events) {
        const answer = await cli.call('TransactionEvent', event);
        report({
            step: event.eventType.toLowerCase(),
            transaction_id: transactionId,
            status: answer.idTokenInfo ? answer.idTokenInfo.status : null,
            total_cost: answer.totalCost ?? null,
        });
    }
    await status('Available');
}

// The station's BootNotification in `version`.
function bootRequest(version) {
    if (version === '1.6') {
        return {
            chargePointVendor: 'ocpp-rpc',
            chargePointModel: 'node-station',
            firmwareVersion: 'ocpp-rpc 2.2.1',
        };
    }
    return {
        chargingStation: {
            vendorName: 'ocpp-rpc',
            model: 'node-station',
            firmwareVersion: 'ocpp-rpc 2.2.1',
        },
        reason: 'PowerUp',
    };
}

async function main() {
    const [url, identity, version, token, blocked, mode = 'session'] = process.argv.slice(2);
    const subprotocol = { '1.6': 'ocpp1.6', '2.0.1': 'ocpp2.0.1', '2.1': 'ocpp2.1' }[version];
    if (!subprotocol || !blocked || !['session', 'boot'].includes(mode)) {
        throw new Error(
            'usage: node station.js URL IDENTITY 1.6|2.0.1|2.1 TOKEN BLOCKED_TOKEN [session|boot]',
        );
    }
    const cli = new RPCClient({
        endpoint: url,
        identity,
        protocols: [subprotocol],
        strictMode: true,
        strictModeValidators: version === '2.1' ? [ocpp21Validator()] : [],
        reconnect: false,
        callTimeoutMs: 30000,
    });
    const failures = [];
    cli.on('strictValidationFailure', (event) => {
        const failure = {
            method: event.method,
            outbound: event.outbound,
            isCall: event.isCall,
            error: String(event.error && event.error.message),
            details: event.error && event.error.details,
            params: event.params,
            result: event.result,
        };
        failures.push(failure);
        report({ step: 'validation_failure', ...failure });
    });
    cli.on('badMessage', (event) => {
        failures.push({ badMessage: String(event.error) });
        report({ step: 'bad_message', error: String(event.error), message: event.buffer.toString() });
    });
    // Reset is the test's last command: once it is answered (the answer goes out before
    // the connection closes), the station may restart. `outbound` is false for calls that
    // the CSMS made.
    const resetAnswered = new Promise((resolve) => {
        cli.on('callResult', (event) => {
            if (event.outbound === false && event.method === 'Reset') {
                resolve();
            }
        });
    });

    await cli.connect();
    report({ step: 'connected', subprotocol: cli.protocol });
    const state = {};
    if (mode === 'boot') {
        const boot = await cli.call('BootNotification', bootRequest(version));
        expect('boot status', boot.status, 'Accepted');
        report({ step: 'boot', status: boot.status, interval: boot.interval });
    } else {
        if (version === '1.6') {
            await run16(cli, state, token, blocked);
        } else {
            await run2x(cli, state, identity, version, token, blocked);
        }
        report({ step: 'ready' });
        let timer;
        const timeout = new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('no Reset within 60 s')), 60000);
        });
        await Promise.race([resetAnswered, timeout]);
        clearTimeout(timer);
    }
    // The station closes the connection (after its pending answers): the CSMS answers its
    // Close frame with one. 1006 when the connection just ended.
    const closed = await cli.close({ awaitPending: true });
    report({ step: 'closed', code: closed.code, reason: closed.reason });
    if (failures.length > 0) {
        throw new Error(`${failures.length} message(s) failed validation`);
    }
    report({ step: 'done' });
}

main().catch((error) => {
    const fields = { step: 'error', error: `${error.name}: ${error.message}` };
    if (error.details !== undefined) {
        fields.details = error.details;
    }
    report(fields);
    process.exit(1);
});
