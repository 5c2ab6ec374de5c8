// The Lua side of the engine glue. lua-redis-wasm runs one chunk per call in a shared, locked-down Lua 5.1
// state; this driver chunk is what it runs. The user's script (or function library) arrives as data in ARGV
// and is compiled with loadstring under Valkey's chunk name, with a one-line prelude (no newline, so line
// numbers stay the user's) that binds `redis`/`server`, `pcall`, `xpcall` and `error` to the wrappers below.
// The wrappers give Valkey's behaviour where the engine's own differs:
//  - numbers passed to redis.call are formatted as Valkey does (integers exactly, others shortest round-trip),
//    not with Lua's lossy "%.14g" (BullMQ's delayed-job scores need all 16 digits);
//  - redis.call is a callable table whose __call is a coroutine.wrap C function, so a failing call raised from
//    `return redis.call(...)` (a tail call) still carries the caller's line, as Valkey's C redis.call does;
//  - errors from redis.call and redis API misuse, and error({err=...}) tables, travel as strings tagged with
//    \1 after the caller's position, so the host can print Valkey's "<err> script: <sha>, on @user_script:N.";
//    pcall/xpcall strip the tag so scripts catch the plain message, as Valkey's pcall does;
//  - redis.error_reply / status_reply / setresp / set_repl / log / breakpoint / debug / replicate_commands /
//    acl_check_cmd and the REPL_* constants follow Valkey's argument checks and texts;
//  - the result is returned as {resp, value} after switching the encoder to RESP3, so typed tables ({double=},
//    {map=}, ...) convert at any protocol level and the host knows which protocol the script chose.
// Lua compiles slowly inside the wasm engine and nothing survives between calls, so the chunk compiled on
// every call (HOT) is kept small; the rarely used helpers and the function-library code (COLD) travel as data
// in ARGV and are compiled only when a script touches them.
// Modes (ARGV tail: mode, source, function name, COLD): "c" compile only, "e" EVAL, "l" FUNCTION LOAD (collect the
// registered functions), "f" FCALL (run the library body, then the named function with KEYS, ARGV).

export const HOT = String.raw`
local A=ARGV local n=#A local M,S,F,C=A[n-3],A[n-2],A[n-1],A[n] A[n]=nil A[n-1]=nil A[n-2]=nil A[n-3]=nil
local R=redis local rp,rs=R.pcall,R.setresp
local er,pc,xp,ty,se,up,tn,rg=error,pcall,xpcall,type,select,unpack,tonumber,rawget
local sf,fl,fd,sb=string.format,math.floor,string.find,string.sub
local E='\1' local resp=2
local function num(v)
if v==fl(v) and v>=-4611686018427387904 and v<=4611686018427387904 then if v==0 then return '0' end return sf('%.0f',v) end
if v~=v then return 'nan' end if v==1/0 then return 'inf' end if v==-1/0 then return '-inf' end
for p=15,17 do local s=sf('%.'..p..'g',v) if tn(s)==v then return s end end return sf('%.17g',v) end
local function cv(...)
local c=se('#',...) if c==0 then return nil,'ERR Please specify at least one argument for this redis lib call' end
local t={...} for i=1,c do local y=ty(t[i]) if y=='number' then t[i]=num(t[i]) elseif y~='string' then return nil,'ERR Lua redis lib command arguments must be strings or integers' end end
return t,c end
local CM={} local cw,cy=coroutine.wrap,coroutine.yield
local function pk(...) return {...},se('#',...) end
local function mk() CM.__call=cw(function(...) local p,c=pk(...) while true do
local t,k=cv(up(p,2,c)) if not t then mk() er(E..k,0) end
local r=rp(up(t,1,k)) if ty(r)=='table' then local e=rg(r,'err') if e~=nil then mk() er(E..e,0) end end
p,c=pk(cy(r)) end end) end
mk()
local call=setmetatable({},CM)
local function pcall_(...) local t,c=cv(...) if not t then return {err=c} end return rp(up(t,1,c)) end
local function fx(e) if ty(e)=='string' then local p=fd(e,E,1,true) if p then return sb(e,p+1) end end return e end
local function pr(o,...) if o then return true,... end return false,fx((...)) end
local P=function(f,...) return pr(pc(f,...)) end
local X=function(f,h) return xp(f,function(e) return h(fx(e)) end) end
local Er=function(e,l) if ty(e)=='table' then local m=rg(e,'err') local y=ty(m) if y=='string' or y=='number' then er(E..m,2) end er(e,0) end
l=tn(l) or 1 if l>0 then l=l+1 end er(e,l) end
local function ro() er('Attempt to modify a readonly table',2) end
local W={call=call,pcall=pcall_}
W.setresp=function(...) if se('#',...)~=1 then er(E..'ERR redis.setresp() requires one argument.',2) end
local v=tn((...)) or 0 v=v>=0 and fl(v) or -fl(-v) if v~=2 and v~=3 then er(E..'ERR RESP version must be 2 or 3.',2) end resp=v rs(v) end
local K
local function cold() if not K then K=loadstring(C)(W,R,E,cv,ro,P,X,Er,function() return resp end) end return K end
setmetatable(W,{__newindex=ro,__index=function(_,k) local v=cold()[k] if v==nil then return R[k] end return v end})
if M=='l' or M=='f' then return cold().run(M,S,F) end
local f,e=loadstring('local redis,server,pcall,xpcall,error=...;'..S,'@user_script')
if not f then return {-1,e} end
if M=='c' then return {0} end
local v=f(W,W,P,X,Er) local u=resp rs(3) return {u,v}
`;

export const COLD = String.raw`
local W,R,E,cv,ro,P,X,Er,getresp=...
local er,ty,se,tn,ts,pairs,fl,fd,sb,gs=error,type,select,tonumber,tostring,pairs,math.floor,string.find,string.sub,string.gsub
local K={}
K.set_repl=function(...)
  if se('#',...)~=1 then er(E..'ERR redis.set_repl() requires one argument.',2) end
  local f=tn((...)) or 0
  f=f>=0 and fl(f) or -fl(-f)
  if f<0 or f>3 then er(E..'ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.',2) end
end
K.replicate_commands=function() return true end
K.breakpoint=function() return false end
K.debug=function() end
K.log=function(...)
  local c=se('#',...)
  if c<2 then er(E..'ERR redis.log() requires two arguments or more.',2) end
  local lv=tn((...))
  if lv==nil then er(E..'ERR First argument must be a number (log level).',2) end
  lv=lv>=0 and fl(lv) or -fl(-lv)
  if lv<0 or lv>3 then er(E..'ERR Invalid debug level.',2) end
  local t={...}
  local out=''
  for j=2,c do
    local v=t[j]
    if ty(v)=='string' or ty(v)=='number' then
      if j~=2 then out=out..' ' end
      out=out..ts(v)
    end
  end
  R.log(lv,out)
end
K.sha1hex=function(...)
  if se('#',...)~=1 then er(E..'ERR wrong number of arguments',2) end
  local s=...
  if ty(s)=='number' then s=ts(s) end
  if ty(s)~='string' then s='' end
  return R.sha1hex(s)
end
local function trim(s) return (gs(gs(s,'^[\r\n]+',''),'[\r\n]+$','')) end
K.error_reply=function(...)
  if se('#',...)~=1 or ty((...))~='string' then return {err='ERR wrong number or type of arguments'} end
  local e=...
  if sb(e,1,1)~='-' then e='-'..e end
  local sp=fd(e,' ',1,true)
  local code,msg
  if sp then code,msg=sb(e,2,sp-1),sb(e,sp+1) else code,msg='ERR',sb(e,2) end
  return {err=code..' '..trim(msg)}
end
K.status_reply=function(...)
  if se('#',...)~=1 or ty((...))~='string' then return {err='ERR wrong number or type of arguments'} end
  return {ok=(...)}
end
K.acl_check_cmd=function(...)
  local t,c=cv(...)
  if not t then er(E..c,2) end
  local r=R.pcall('COMMAND','INFO',t[1])
  if ty(r)~='table' or not r[1] then er(E..'ERR Invalid command passed to redis.acl_check_cmd()',2) end
  return true
end
K.REPL_NONE,K.REPL_AOF,K.REPL_SLAVE,K.REPL_REPLICA,K.REPL_ALL=0,1,2,2,3

local FLAGS={['no-writes']=true,['allow-oom']=true,['allow-stale']=true,['no-cluster']=true,['allow-cross-slot-keys']=true}
function K.run(M,S,F)
  local f,e=loadstring('local redis,server,pcall,xpcall,error=...;'..S,'@user_function')
  if not f then return {-1,e} end
  local fns,list={},{}
  local loading=true
  local function bad(m) er(E..'ERR '..m,3) end
  local function reg(...)
    if not loading then er(E..'ERR redis.register_function can only be called on FUNCTION LOAD command',2) end
    local c=se('#',...)
    local name,cb,flags,desc
    if c==1 then
      local t=...
      if ty(t)~='table' then bad('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).') end
      for k,v in pairs(t) do
        if ty(k)~='string' then bad('named argument key given to redis.register_function is not a string') end
        if k=='function_name' then
          if ty(v)~='string' then bad('function_name argument given to redis.register_function must be a string') end
          name=v
        elseif k=='description' then
          if ty(v)~='string' then bad('description argument given to redis.register_function must be a string') end
          desc=v
        elseif k=='callback' then
          if ty(v)~='function' then bad('callback argument given to redis.register_function must be a function') end
          cb=v
        elseif k=='flags' then
          if ty(v)~='table' then bad('flags argument to redis.register_function must be a table representing function flags') end
          flags=v
        else
          bad('unknown argument given to redis.register_function')
        end
      end
      if not name then bad('redis.register_function must get a function name argument') end
      if not cb then bad('redis.register_function must get a callback argument') end
    elseif c==2 then
      name,cb=...
      if ty(name)~='string' then bad('first argument to redis.register_function must be a string') end
      if ty(cb)~='function' then bad('second argument to redis.register_function must be a function') end
    else
      bad('wrong number of arguments to redis.register_function')
    end
    local fl2={}
    if flags then
      for i=1,#flags do
        local v=flags[i]
        if ty(v)~='string' or not FLAGS[v] then bad('unknown flag given') end
        fl2[#fl2+1]=v
      end
    end
    if name=='' or fd(name,'[^%w_]') then bad('Function names can only contain letters, numbers, or underscores(_) and must be at least one character long') end
    if fns[name] then bad('Function already exists in the library') end
    fns[name]=cb
    list[#list+1]={name,fl2,desc or false}
  end
  if M=='l' then
    local L={register_function=reg,log=K.log,setresp=W.setresp,LOG_DEBUG=0,LOG_VERBOSE=1,LOG_NOTICE=2,LOG_WARNING=3,
      REDIS_VERSION=R.REDIS_VERSION,REDIS_VERSION_NUM=R.REDIS_VERSION_NUM,VALKEY_VERSION=R.VALKEY_VERSION,
      VALKEY_VERSION_NUM=R.VALKEY_VERSION_NUM,SERVER_NAME=R.SERVER_NAME}
    setmetatable(L,{__newindex=ro,__index=function(_,k)
      er("Script attempted to access nonexistent global variable '"..ts(k).."'",2)
    end})
    f(L,L,P,X,Er)
    return {-2,list}
  end
  local WF=setmetatable({register_function=reg},{__index=W,__newindex=ro})
  f(WF,WF,P,X,Er)
  loading=false
  local fn=fns[F]
  if not fn then return {-3} end
  local v=fn(KEYS,ARGV)
  local u=getresp()
  R.setresp(3)
  return {u,v}
end
return K
`;
