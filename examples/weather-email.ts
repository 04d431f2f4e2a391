// 综合案例: scrape the weather forecast and email it on a schedule.
//
// Mirrors tutorial 001 "综合案例" ("使用爬虫爬取天气预报，并定时发送到邮箱": scrape the forecast with
// a crawler and send it to a mailbox on a schedule). Runs offline: the "weather site" is a node:http
// server this example starts, serving a page in the style of weather.com.cn; the "mailer" writes
// the message as an .eml file to a temporary directory (removed when the example ends) and prints
// it. In a real application the scraper fetches the real site, and the mailer is nodemailer's
// `transporter.sendMail(...)`.
//
// The job runs every day at 07:30 and, through `nextRunTime`, once right away. Prints the page's
// temperatures ("weather page: 北京 ... 最高 23℃ ..."), the email, and "saved to .../weather-....eml".
// Run: npx tsx examples/weather-email.ts
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler } from 'horae';

const timezone = 'Asia/Shanghai';
const wall = (date: Date) => date.toLocaleString('sv-SE', { timeZone: timezone });

// ------------------------------------------------------------------ the weather site (stand-in)

const high = 15 + Math.floor(Math.random() * 15);
const low = high - 8 - Math.floor(Math.random() * 4);
const site = createServer((request, response) => {
  if (request.url !== '/weather/101010100.shtml') {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  response.end(`<!DOCTYPE html><html><head><title>北京天气预报</title></head><body>
  <div class="crumbs"><a>北京</a></div>
  <ul class="t clearfix"><li class="sky on">
    <h1>今天</h1><p class="wea">晴转多云</p>
    <p class="tem"><span>${high}</span>/<i>${low}℃</i></p>
    <p class="win"><span title="北风"></span><i>3-4级</i></p>
  </li></ul></body></html>`);
});
await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
const siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
console.log(`weather page: 北京 晴转多云 最高 ${high}℃ 最低 ${low}℃ at ${siteUrl}/weather/101010100.shtml`);

// ------------------------------------------------------------------ scraper and mailer

interface Forecast {
  city: string;
  weather: string;
  high: number;
  low: number;
  wind: string;
}

/** 爬取天气预报: fetches the forecast page of a city code and parses today's forecast out of it. */
async function scrapeForecast(cityCode: string): Promise<Forecast> {
  const response = await fetch(`${siteUrl}/weather/${cityCode}.shtml`);
  if (!response.ok) throw new Error(`weather page answered HTTP ${response.status}`);
  const html = await response.text();
  const pick = (pattern: RegExp, what: string) => {
    const match = pattern.exec(html);
    if (match?.[1] === undefined) throw new Error(`the weather page has no ${what}; did the site change?`);
    return match[1];
  };
  const windDirection = pick(/<span title="([^"]+)">/, 'wind direction');
  const windForce = pick(/<p class="win">.*?<i>([^<]+)<\/i>/s, 'wind force');
  return {
    city: pick(/<div class="crumbs"><a>([^<]+)<\/a>/, 'city'),
    weather: pick(/<p class="wea">([^<]+)<\/p>/, 'weather'),
    high: Number(pick(/<p class="tem"><span>(-?\d+)<\/span>/, 'high temperature')),
    low: Number(pick(/<p class="tem">.*?<i>(-?\d+)℃<\/i>/s, 'low temperature')),
    wind: `${windDirection} ${windForce}`,
  };
}

const outbox = mkdtempSync(join(tmpdir(), 'horae-weather-'));
process.once('exit', () => rmSync(outbox, { recursive: true, force: true })); // even after an error

/** 发送到邮箱: writes the email as an .eml file (what an SMTP server would receive) and prints it. */
function sendMail(to: string, subject: string, text: string): string {
  const encodedSubject = `=?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`;
  const message = [
    'From: weather-bot@example.com',
    `To: ${to}`,
    `Subject: ${encodedSubject}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    text,
  ].join('\r\n');
  const file = join(outbox, `weather-${Date.now()}.eml`);
  writeFileSync(file, message);
  console.log(`---- email to ${to}: ${subject}\n${text}\n---- saved to ${file}`);
  return file;
}

/** The scheduled job: scrape, then mail. */
async function sendWeatherReport(cityCode: string, to: string): Promise<string> {
  const forecast = await scrapeForecast(cityCode);
  const subject = `${forecast.city}天气预报 ${wall(new Date()).slice(0, 10)}`;
  const text =
    `今天${forecast.city}${forecast.weather}，` +
    `最高 ${forecast.high}℃，最低 ${forecast.low}℃，${forecast.wind}。`;
  return sendMail(to, subject, text);
}

// ------------------------------------------------------------------ the schedule

const scheduler = new Scheduler({ timezone });
scheduler.on('job_error', (event) => console.error(`the weather job failed: ${String(event.exception)}`));
const sent = new Promise<void>((resolve) => scheduler.on('job_executed', () => resolve()));

// Every day at 07:30 (Shanghai time), and once now.
const job = await scheduler.addJob(sendWeatherReport, 'cron', {
  hour: 7,
  minute: 30,
  args: ['101010100', 'me@example.com'],
  id: 'weather-mail',
  nextRunTime: new Date(),
});
await scheduler.start();
await sent;
const next = (await scheduler.getJob(job.id))?.nextRunTime;
console.log(`next weather email at ${next ? wall(next) : '?'} (${timezone})`);

await scheduler.shutdown();
site.close();
